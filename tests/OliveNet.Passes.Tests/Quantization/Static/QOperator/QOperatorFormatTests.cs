using OliveNet.Onnx;
using OliveNet.Passes.Quantization.Static;
using OliveNet.Passes.Tests.Quantization.Dynamic;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.Static.QOperator;

public sealed class QOperatorFormatTests(ITestOutputHelper output)
{
    private static readonly OnnxStaticQuantizationPass Pass = new();

    /// <summary>
    /// x has a fixed scale 0.02 (zero point 128) by override and W1 is exact in int8 with max |W1| = 1, so its symmetric
    /// scale is 2/254 = 1/127 and the bias scale x_scale·w_scale is 0.02/127: b1_int32 = round(b1·127/0.02) = round(b1·6350).
    /// The tolerance 0.5 is the rounding; 1e−6 relative covers the float32 product of the two scales.
    /// </summary>
    [Fact]
    public void Conv_and_MatMul_become_QLinearConv_and_QLinearMatMul_in_ONNX_order_with_the_int32_bias_worked_by_hand()
    {
        using var temp = new TempFolder();
        var options = new OnnxStaticQuantizationOptions
        {
            QuantFormat = "QOperator",
            CalibrationSamples = 2,
            OpTypesToQuantize = ["Conv", "MatMul", "Relu", "Flatten"],
            TensorQuantOverrides = new() { ["x"] = new TensorQuantOverride { Scale = 0.02f, ZeroPoint = 128 } },
        };
        var quantized = PassRunner.Run(Pass, ConvReluMatMulModel.Write(temp.Sub("in"), exactWeights: true), options, temp.Sub("out"));

        var graph = OnnxModel.Load(quantized).MainGraph.Proto;
        Assert.Equal(["QuantizeLinear", "QLinearConv", "Flatten", "QLinearMatMul", "DequantizeLinear"], graph.Node.Select(n => n.OpType));
        var (q, conv, flatten, matMul, dq) = (graph.Node[0], graph.Node[1], graph.Node[2], graph.Node[3], graph.Node[4]);
        Assert.Equal(["x", "x_scale", "x_zero_point"], q.Input);
        Assert.Equal([q.Output[0], "x_scale", "x_zero_point", "W1_quantized", "W1_scale", "W1_zero_point"], conv.Input.Take(6));
        Assert.Equal(9, conv.Input.Count);
        Assert.Equal("b1_quantized", conv.Input[8]);
        Assert.Equal(conv.Output[0], flatten.Input[0]);
        Assert.Equal([flatten.Output[0], "f_scale", "f_zero_point", "W2_quantized", "W2_scale", "W2_zero_point"], matMul.Input.Take(6));

        // Flatten runs on the quantized tensor, so its output keeps the Conv output's parameters.
        Assert.Equal(TensorData.Read<float>(Initializer(graph, conv.Input[6]), null), TensorData.Read<float>(Initializer(graph, "f_scale"), null));
        Assert.Equal(TensorData.Read<byte>(Initializer(graph, conv.Input[7]), null), TensorData.Read<byte>(Initializer(graph, "f_zero_point"), null));
        Assert.Equal([matMul.Output[0], matMul.Input[6], matMul.Input[7]], dq.Input);
        Assert.Equal("y", dq.Output[0]);

        Assert.Equal([0.02f], TensorData.Read<float>(Initializer(graph, "x_scale"), null));
        Assert.Equal([(byte)128], TensorData.Read<byte>(Initializer(graph, "x_zero_point"), null));
        Assert.Equal((int)OnnxDataType.Int8, Initializer(graph, "W1_quantized").DataType);
        Assert.Equal(1f / 127, TensorData.Read<float>(Initializer(graph, "W1_scale"), null).Single(), 1e-9f);
        var bias = TensorData.Read<int>(Initializer(graph, "b1_quantized"), null);
        var b1 = ConvReluMatMulModel.ConvBias;
        for (var i = 0; i < b1.Length; i++)
        {
            var exact = b1[i] * 127 / 0.02;
            Assert.True(Math.Abs(bias[i] - exact) <= 0.5 + (1e-6 * Math.Abs(exact)), $"bias[{i}] = {bias[i]}, by hand {exact:F2}");
        }

        Assert.DoesNotContain(graph.Initializer, t => t.Name is "W1" or "W2" or "b1" || t.Name.EndsWith("quantized_scale", StringComparison.Ordinal));
        Assert.NotEmpty(Run(quantized, ConvReluMatMulModel.Sample(0), ConvReluMatMulModel.InputShape)["y"]);
    }

    /// <summary>
    /// ORT fuses the QDQ output into the same integer kernels the QOperator output names, on the same parameters, so the
    /// two differ at most by the requantization rounding of each stage: one step of y's scale per stage that can round
    /// differently (the Conv's output, the MatMul's), i.e. 2 steps.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void QOperator_and_QDQ_outputs_of_the_same_options_agree_within_the_requantization_rounding(bool perChannel)
    {
        using var temp = new TempFolder();
        var model = ConvReluMatMulModel.Write(temp.Sub("in"));
        var options = new OnnxStaticQuantizationOptions { DataDir = ConvReluMatMulModel.WriteDataDir(temp.Sub("data"), 4), PerChannel = perChannel, WeightType = "QUInt8" };
        var qdq = PassRunner.Run(Pass, model, options, temp.Sub("qdq"));
        var qop = PassRunner.Run(Pass, model, options with { QuantFormat = "QOperator" }, temp.Sub("qop"));

        var graph = OnnxModel.Load(qop).MainGraph.Proto;
        var yScale = TensorData.Read<float>(Initializer(graph, graph.Node.Single(n => n.Output[0] == "y").Input[1]), null).Single();
        for (var s = 0; s < 4; s++)
        {
            var x = ConvReluMatMulModel.Sample(s);
            var diff = ModelRunner.MaxAbsDiff(Run(qdq, x, ConvReluMatMulModel.InputShape)["y"], Run(qop, x, ConvReluMatMulModel.InputShape)["y"]);
            output.WriteLine($"sample {s}: max |QDQ − QOperator| = {diff:G4} (y step {yScale:G4})");
            Assert.True(diff <= (2 * yScale) + 1e-6, $"sample {s}: {diff} > 2 steps of {yScale}");
        }
    }

    /// <summary>
    /// Every op becomes its QLinear (or quantized pass-through) form, so the only float boundaries left are the input's
    /// QuantizeLinear and the two outputs' DequantizeLinear; ORT loads it and the result tracks FP32. The cosine floor 0.99
    /// fails a wrong input order, scale or zero point (those scramble the outputs), not the 8-bit rounding.
    /// </summary>
    [Fact]
    public void Every_op_of_ONNX_Runtimes_QOperator_registry_in_the_model_is_written_in_its_quantized_form_and_runs()
    {
        using var temp = new TempFolder();
        var model = ActivationOpsModel.Write(temp.Sub("in"));
        var options = new OnnxStaticQuantizationOptions { QuantFormat = "QOperator", OpTypesToQuantize = ActivationOpsModel.OpTypes, MatmulConstBOnly = false, CalibrationSamples = 8 };
        var log = new StringWriter();
        var quantized = PassRunner.Run(Pass, model, options, temp.Sub("out"), log);
        output.WriteLine(log.ToString().Trim());

        var nodes = OnnxModel.Load(quantized).MainGraph.Proto.Node;
        output.WriteLine(string.Join(" → ", nodes.Select(n => n.OpType)));
        string[] expected =
        [
            "QuantizeLinear", "QLinearConv", "QLinearSigmoid", "QLinearLeakyRelu", "QLinearAdd", "QLinearMul", "MaxPool", "QLinearAveragePool",
            "QLinearConcat", "Reshape", "Transpose", "QLinearMatMul", "QLinearSoftmax", "DequantizeLinear", "QLinearGlobalAveragePool", "DequantizeLinear",
        ];
        Assert.Equal(expected, nodes.Select(n => n.OpType));
        Assert.All(nodes.Where(n => n.OpType is "QLinearAdd" or "QLinearMul" or "QLinearSigmoid" or "QLinearSoftmax"), n => Assert.Equal("com.microsoft", n.Domain));
        Assert.Equal(13, nodes.Single(n => n.OpType == "QLinearSoftmax").Attribute.Single(a => a.Name == "opset").I);

        var x = ModelRunner.SeededFloats(3 * 64, 5).Select(v => (v + 1) / 2).ToArray();
        var fp32 = Run(model, x, ActivationOpsModel.InputShape);
        var int8 = Run(quantized, x, ActivationOpsModel.InputShape);
        foreach (var name in new[] { "y1", "y2" })
        {
            var cosine = Similarity.Cosine(fp32[name], int8[name]);
            output.WriteLine($"{name}: cosine {cosine:F5}, max abs {ModelRunner.MaxAbsDiff(fp32[name], int8[name]):G4}");
            Assert.True(cosine >= 0.99, $"{name}: cosine {cosine} < 0.99");
        }
    }

    /// <summary>
    /// The same op set in QDQ format: ORT's QDQ fusions at load must arrive at the QLinear ops the QOperator writer names
    /// (so the two layouts are one plan), and no float Conv, Add or MatMul may be left running.
    /// </summary>
    [Fact]
    public void In_QDQ_format_the_same_ops_fuse_at_load_into_the_QLinear_ops_QOperator_writes()
    {
        using var temp = new TempFolder();
        var model = ActivationOpsModel.Write(temp.Sub("in"));
        var options = new OnnxStaticQuantizationOptions { OpTypesToQuantize = ActivationOpsModel.OpTypes, MatmulConstBOnly = false, CalibrationSamples = 4 };
        var quantized = PassRunner.Run(Pass, model, options, temp.Sub("out"));

        var ops = OrtGraph.OptimizedOps(quantized);
        output.WriteLine(string.Join(", ", ops.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}×{kv.Value}")));
        foreach (var op in new[] { "com.microsoft.QLinearAdd", "com.microsoft.QLinearMul", "com.microsoft.QLinearSigmoid", "com.microsoft.QLinearConcat", "QLinearMatMul" })
        {
            Assert.True(ops.ContainsKey(op), $"ORT did not fuse {op}.");
        }

        Assert.False(ops.ContainsKey("Conv") || ops.ContainsKey("Add") || ops.ContainsKey("MatMul"), "A float Conv, Add or MatMul is left.");
    }

    [Fact]
    public void Writing_the_QOperator_layout_twice_gives_byte_identical_files()
    {
        using var temp = new TempFolder();
        var model = ActivationOpsModel.Write(temp.Sub("in"));
        var options = new OnnxStaticQuantizationOptions { QuantFormat = "QOperator", OpTypesToQuantize = ActivationOpsModel.OpTypes, MatmulConstBOnly = false, CalibrationSamples = 3, Seed = 9 };
        var first = PassRunner.Run(Pass, model, options, temp.Sub("a"));
        var second = PassRunner.Run(Pass, model, options, temp.Sub("b"));
        PassRunner.AssertSameFiles(Path.GetDirectoryName(first)!, Path.GetDirectoryName(second)!);
    }

    [Fact]
    public void Sixteen_bit_activations_are_refused_in_QOperator_format()
    {
        var problems = Pass.Validate(new OnnxStaticQuantizationOptions { QuantFormat = "QOperator", ActivationType = "QUInt16" }, Engine.Passes.Target.Cpu);
        Assert.Contains(problems, p => p.StartsWith("activation_type: QUInt16 needs quant_format QDQ", StringComparison.Ordinal));
    }

    private static Onnx.Protos.TensorProto Initializer(Onnx.Protos.GraphProto graph, string name) => graph.Initializer.Single(t => t.Name == name);

    private static Dictionary<string, float[]> Run(string path, float[] x, long[] shape)
    {
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.All };
        using var session = new InferenceSession(path, options);
        using var value = OrtValue.CreateTensor<float>(x.ToArray(), shape);
        using var outputs = session.Run([KeyValuePair.Create("x", value)]);
        return Enumerable.Range(0, outputs.Count).ToDictionary(i => outputs.Names[i], i => outputs[i].GetTensorData<float>().ToArray(), StringComparer.Ordinal);
    }
}
