using Google.Protobuf;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Float16;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Quantization.Float16;

public sealed class OnnxFloatToFloat16SmallModelTests
{
    private const int K = 8;
    private const int N = 16;

    [Fact]
    public void Weights_values_and_io_become_float16_and_TopK_is_wrapped_in_casts()
    {
        using var temp = new TempFolder();
        var converted = Convert(temp, new OnnxFloatToFloat16Options());
        var g = OnnxModel.Load(converted).MainGraph.Proto;

        Assert.Equal(10, g.Input.Single(v => v.Name == "x").Type.TensorType.ElemType);
        Assert.Equal(10, g.Output.Single(v => v.Name == "values").Type.TensorType.ElemType);
        Assert.Equal(7, g.Output.Single(v => v.Name == "indices").Type.TensorType.ElemType);
        Assert.Equal(10, g.Initializer.Single(t => t.Name == "w").DataType);
        Assert.Equal(7, g.Initializer.Single(t => t.Name == "k").DataType);
        Assert.Equal(10, Constant(g, "tiny").DataType);

        // TopK reads a float32 copy of its float16 input and its float32 values go back to float16 under the old name.
        var ops = g.Node.Select(n => n.Name).ToList();
        var topk = g.Node.Single(n => n.OpType == "TopK");
        Assert.Equal(["topk_input_cast_0", "k"], topk.Input);
        Assert.Equal(["topk_output_cast_0", "indices"], topk.Output);
        var before = g.Node.Single(n => n.Name == "topk_input_cast0");
        var after = g.Node.Single(n => n.Name == "topk_output_cast0");
        Assert.Equal((1L, "relu", "topk_input_cast_0"), (before.Attribute.Single().I, before.Input.Single(), before.Output.Single()));
        Assert.Equal((10L, "topk_output_cast_0", "values"), (after.Attribute.Single().I, after.Input.Single(), after.Output.Single()));
        Assert.True(ops.IndexOf("topk_input_cast0") < ops.IndexOf("topk") && ops.IndexOf("topk") < ops.IndexOf("topk_output_cast0"));
    }

    [Fact]
    public void Weights_are_clamped_by_magnitude_with_sign_zero_infinity_and_NaN_kept()
    {
        using var temp = new TempFolder();
        var converted = Convert(temp, new OnnxFloatToFloat16Options());
        var model = OnnxModel.Load(converted);
        var g = model.MainGraph.Proto;

        // 1e-9 would flush to 0 in float16 (smallest subnormal 5.96e-8); it is raised to min_positive_val first.
        var tiny = TensorData.Read<Half>(Constant(g, "tiny"), model.BaseDirectory);
        Assert.Equal([(Half)1e-7f, (Half)(-1e-7f), (Half)0f], tiny[..3]);
        Assert.True(Half.IsNegative(tiny[1]) && tiny[1] != (Half)0f);
        Assert.True(Half.IsNaN(tiny[3]));
        var huge = TensorData.Read<Half>(g.Initializer.Single(t => t.Name == "huge"), model.BaseDirectory);
        Assert.Equal([(Half)1e4f, (Half)(-1e4f), Half.PositiveInfinity], huge);

        // ORT sees the same values.
        using var x = OrtValue.CreateTensor<Half>(new Half[2 * K], [2, K]);
        var outputs = Float16Check.Run(converted, ("x", x));
        Assert.Equal([1e4, -1e4, double.PositiveInfinity], outputs["huge_out"]);
        Assert.Equal((double)(Half)1e-7f, outputs["tiny_out"][0]);
    }

    [Fact]
    public void Keep_io_types_keeps_float32_inputs_and_outputs_behind_boundary_casts()
    {
        using var temp = new TempFolder();
        var converted = Convert(temp, new OnnxFloatToFloat16Options { KeepIoTypes = true });
        var g = OnnxModel.Load(converted).MainGraph.Proto;

        Assert.Equal(1, g.Input.Single().Type.TensorType.ElemType);
        Assert.All(g.Output.Where(o => o.Name != "indices"), o => Assert.Equal(1, o.Type.TensorType.ElemType));
        var first = g.Node[0];
        Assert.Equal(("graph_input_cast0", "x", "graph_input_cast_0", 10L), (first.Name, first.Input.Single(), first.Output.Single(), first.Attribute.Single().I));
        Assert.Equal(["graph_input_cast_0", "w"], g.Node.Single(n => n.OpType == "MatMul").Input);
        var outputCast = g.Node.Single(n => n.Name == "graph_output_cast0");
        Assert.Equal(("graph_output_cast_0", "values", 1L), (outputCast.Input.Single(), outputCast.Output.Single(), outputCast.Attribute.Single().I));
        Assert.DoesNotContain(g.Node, n => n.Name == "graph_output_cast1"); // indices is int64
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ORT_runs_the_converted_model_and_TopK_values_match_float32_within_the_float16_error_bound(bool keepIo)
    {
        using var temp = new TempFolder();
        var converted = Convert(temp, new OnnxFloatToFloat16Options { KeepIoTypes = keepIo });
        var xs = ModelRunner.SeededFloats(2 * K, 5);
        using var x32 = OrtValue.CreateTensor<float>(xs, [2, K]);
        using var x16 = OrtValue.CreateTensor<Half>(xs.Select(v => (Half)v).ToArray(), [2, K]);
        var expected = Float16Check.Run(Path.Combine(temp.Path, "small.onnx"), ("x", x32))["values"];
        var actual = Float16Check.Run(converted, ("x", keepIo ? x32 : x16))["values"];

        // Each output of Relu(x·W + b) passes through at most K + 4 float16 roundings (x, W, K products and sums, the
        // bias add, the output), each relative 2^-11; the classic bound is γ(n) = n·u / (1 − n·u) times Σ|x||W| + |b|.
        // Sorting (TopK) is 1-Lipschitz in the max norm, so the row's largest bound covers every sorted position.
        var (w, b) = Weights();
        const int n = K + 4;
        var gamma = n * Float16Check.Unit / (1 - (n * Float16Check.Unit));
        for (var row = 0; row < 2; row++)
        {
            var bound = Enumerable.Range(0, N).Max(j => gamma * (Enumerable.Range(0, K).Sum(i => Math.Abs(xs[(row * K) + i] * w[(i * N) + j])) + Math.Abs(b[j])));
            for (var c = 0; c < 4; c++)
            {
                var e = expected[(row * 4) + c];
                var a = actual[(row * 4) + c];
                Assert.True(Math.Abs(e - a) <= bound, $"values[{row},{c}]: float32 {e}, float16 {a}, bound {bound}");
            }
        }
    }

    [Fact]
    public void A_custom_op_block_list_replaces_the_default_one()
    {
        using var temp = new TempFolder();
        var converted = Convert(temp, new OnnxFloatToFloat16Options { OpBlockList = ["Relu"], NodeBlockList = ["add"] });
        var g = OnnxModel.Load(converted).MainGraph.Proto;
        Assert.Equal(["relu_input_cast_0"], g.Node.Single(n => n.OpType == "Relu").Input);
        // b is read only by the blocked Add, so it stays float32 and needs no Cast.
        Assert.Equal(["add_input_cast_0", "b"], g.Node.Single(n => n.OpType == "Add").Input);
        Assert.Equal(1, g.Initializer.Single(t => t.Name == "b").DataType);
        Assert.Equal(["relu", "k"], g.Node.Single(n => n.OpType == "TopK").Input);
        using var x = OrtValue.CreateTensor<Half>(new Half[2 * K], [2, K]);
        Assert.Equal(8, Float16Check.Run(converted, ("x", x))["values"].Length);
    }

    [Fact]
    public void Bad_options_are_reported_by_key()
    {
        var pass = new OnnxFloatToFloat16Pass();
        var errors = pass.Validate(new OnnxFloatToFloat16Options { MinPositiveVal = 0, MaxFiniteVal = 1e5, KeepIoTypes = true, KeepIoTypesNames = ["x"] }, Target.Cpu);
        Assert.Contains(errors, e => e.StartsWith("min_positive_val: 0 must be greater than 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("max_finite_val: 100000 must be in (0, 65504]", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("keep_io_types_names is set while keep_io_types is true", StringComparison.Ordinal));
        Assert.Empty(pass.Validate(new OnnxFloatToFloat16Options(), Target.Cpu));
        Assert.Equal(["fp16"], pass.Metadata.Precisions);
        Assert.True(pass.Metadata.TargetAgnostic);
    }

    [Fact]
    public void An_unknown_keep_io_types_name_fails_listing_the_inputs_and_outputs()
    {
        using var temp = new TempFolder();
        var ex = Assert.Throws<PassFailedException>(() => Convert(temp, new OnnxFloatToFloat16Options { KeepIoTypesNames = ["y"] }));
        Assert.Contains("'y' is not a graph input or output. Inputs: x; outputs: values, indices, huge_out, tiny_out", ex.Message, StringComparison.Ordinal);
    }

    private static string Convert(TempFolder temp, OnnxFloatToFloat16Options options)
    {
        var source = Path.Combine(temp.Path, "small.onnx");
        File.WriteAllBytes(source, SmallModel().ToByteArray());
        return PassRunner.Run(new OnnxFloatToFloat16Pass(), source, options, temp.Sub("out"));
    }

    private static TensorProto Constant(GraphProto g, string output) =>
        g.Node.Single(n => n.OpType == "Constant" && n.Output[0] == output).Attribute.Single(a => a.Name == "value").T;

    private static (float[] W, float[] B) Weights() => (ModelRunner.SeededFloats(K * N, 1), ModelRunner.SeededFloats(N, 2));

    /// <summary>
    /// x[2,8] → MatMul w[8,16] → Add b[16] → Relu → TopK(k=4) → values, indices; plus an initializer huge = [1e6, −1e6, +inf]
    /// and a Constant tiny = [1e-9, −1e-9, 0, NaN], each passed through Identity to an output.
    /// </summary>
    private static ModelProto SmallModel()
    {
        var (w, b) = Weights();
        var g = new GraphProto { Name = "small" };
        g.Input.Add(Value("x", 1, [2, K]));
        g.Output.Add(Value("values", 1, [2, 4]));
        g.Output.Add(Value("indices", 7, [2, 4]));
        g.Output.Add(Value("huge_out", 1, [3]));
        g.Output.Add(Value("tiny_out", 1, [4]));
        g.Initializer.Add(TensorData.Create<float>("w", w, [K, N]));
        g.Initializer.Add(TensorData.Create<float>("b", b, [N]));
        g.Initializer.Add(TensorData.Create<long>("k", [4], [1]));
        g.Initializer.Add(TensorData.Create<float>("huge", [1e6f, -1e6f, float.PositiveInfinity], [3]));
        var tiny = Node("Constant", "tiny", [], ["tiny"]);
        tiny.Attribute.Add(new AttributeProto
        {
            Name = "value", Type = AttributeProto.Types.AttributeType.Tensor,
            T = TensorData.Create<float>(string.Empty, [1e-9f, -1e-9f, 0f, float.NaN], [4]),
        });
        g.Node.Add(tiny);
        g.Node.Add(Node("MatMul", "matmul", ["x", "w"], ["mm"]));
        g.Node.Add(Node("Add", "add", ["mm", "b"], ["sum"]));
        g.Node.Add(Node("Relu", "relu", ["sum"], ["relu"]));
        g.Node.Add(Node("TopK", "topk", ["relu", "k"], ["values", "indices"]));
        g.Node.Add(Node("Identity", "huge_id", ["huge"], ["huge_out"]));
        g.Node.Add(Node("Identity", "tiny_id", ["tiny"], ["tiny_out"]));
        var model = new ModelProto { IrVersion = 8, Graph = g, ProducerName = "test" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        return model;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string[] outputs)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    private static ValueInfoProto Value(string name, int type, long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } } };
    }
}
