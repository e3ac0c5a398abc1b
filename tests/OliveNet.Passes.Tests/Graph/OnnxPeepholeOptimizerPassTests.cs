using Google.Protobuf;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Graph;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Graph;

public sealed class OnnxPeepholeOptimizerPassTests(ITestOutputHelper output)
{
    [Fact]
    public void Silero_v6_loses_its_removable_Identity_nodes_and_gives_bit_identical_VAD_output()
    {
        using var temp = new TempFolder();
        var optimized = PassRunner.Run(new OnnxPeepholeOptimizerPass(), TestModels.SileroVad, new OnnxPeepholeOptimizerOptions(), temp.Sub("out"));

        var before = OpCount(TestModels.SileroVad, "Identity");
        var after = OpCount(optimized, "Identity");
        output.WriteLine($"silero v6: Identity {before} → {after}; nodes {Nodes(TestModels.SileroVad)} → {Nodes(optimized)}");
        Assert.True(after < before, $"Identity nodes should be removed ({before} → {after}).");

        // Every peephole rewrite is exact (no arithmetic changes), so the outputs must match bit for bit.
        var expected = RunVad(TestModels.SileroVad);
        var actual = RunVad(optimized);
        foreach (var (name, values) in expected)
        {
            Assert.Equal(values, actual[name]);
        }
    }

    [Theory]
    [InlineData("det")]
    [InlineData("rec")]
    public void OCR_models_give_bit_identical_outputs_after_clean_up(string which)
    {
        var (path, shape) = which == "det" ? (TestModels.OcrDet, new long[] { 1, 3, 96, 96 }) : (TestModels.OcrRec, new long[] { 1, 3, 48, 320 });
        using var temp = new TempFolder();
        var log = new StringWriter();
        var optimized = PassRunner.Run(new OnnxPeepholeOptimizerPass(), path, new OnnxPeepholeOptimizerOptions(), temp.Sub("out"), log);
        output.WriteLine($"{which}: nodes {Nodes(path)} → {Nodes(optimized)}; {log}");
        var expected = ModelRunner.RunImage(path, shape);
        var actual = ModelRunner.RunImage(optimized, shape);
        foreach (var (name, values) in expected)
        {
            Assert.Equal(values, actual[name]);
        }
    }

    /// <summary>
    /// The opt-in rewrites on the PP-OCRv4 recognizer: its 52 learnable affine blocks (a scalar Mul and Add before and
    /// after every HardSwish) fold into the Convs beside them where that is exact (after any Conv; before an unpadded one),
    /// and its 28 HardSwishes written as x·Clip(x+3, 0, 6)/6 become x·HardSigmoid(x). Outputs are softmax probabilities
    /// after ~40 layers: each rewrite only reorders float rounding (≈1e-7 relative per op), so 1e-4 absolute on a
    /// probability is far above the drift and far below a changed character (the argmax of every time step must agree).
    /// </summary>
    [Fact]
    public void Folding_the_affine_blocks_and_hardswish_keeps_the_recognizers_outputs()
    {
        var shape = new long[] { 1, 3, 48, 320 };
        using var temp = new TempFolder();
        var log = new StringWriter();
        var optimized = PassRunner.Run(
            new OnnxPeepholeOptimizerPass(), TestModels.OcrRec, new OnnxPeepholeOptimizerOptions { FoldConvAffine = true, FuseHardswish = true }, temp.Sub("out"), log);
        output.WriteLine($"rec: nodes {Nodes(TestModels.OcrRec)} → {Nodes(optimized)}; {log}");
        Assert.Contains("folded 80 constant Mul/Add node(s) into Convs", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("rewrote 28 decomposed HardSwish(es)", log.ToString(), StringComparison.Ordinal);
        var ops = OnnxModel.Load(optimized).MainGraph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(28 + 2, ops["HardSigmoid"]);
        Assert.False(ops.ContainsKey("Clip"), "every Clip was part of a HardSwish");

        var expected = ModelRunner.RunImage(TestModels.OcrRec, shape);
        var actual = ModelRunner.RunImage(optimized, shape);
        foreach (var (name, values) in expected)
        {
            var diff = ModelRunner.MaxAbsDiff(values, actual[name]);
            output.WriteLine($"{name}: max |Δ| {diff:G3}");
            Assert.True(diff <= 1e-4, $"{name}: max |Δ| {diff:G3} > 1e-4");
            var classes = 6625;
            for (var t = 0; t < values.Length / classes; t++)
            {
                var row = values.AsSpan(t * classes, classes);
                var other = actual[name].AsSpan(t * classes, classes);
                Assert.Equal(row.IndexOf(System.Linq.Enumerable.Max(row.ToArray())), other.IndexOf(System.Linq.Enumerable.Max(other.ToArray())));
            }
        }
    }

    [Fact]
    public void Same_input_and_options_give_byte_identical_files()
    {
        using var temp = new TempFolder();
        var first = PassRunner.Run(new OnnxPeepholeOptimizerPass(), TestModels.SileroVad, new OnnxPeepholeOptimizerOptions(), temp.Sub("a"));
        var second = PassRunner.Run(new OnnxPeepholeOptimizerPass(), TestModels.SileroVad, new OnnxPeepholeOptimizerOptions(), temp.Sub("b"));
        PassRunner.AssertSameFiles(Path.GetDirectoryName(first)!, Path.GetDirectoryName(second)!);
    }

    [Fact]
    public void Each_clean_up_applies_to_a_small_model_and_keeps_the_output_name_and_values()
    {
        using var temp = new TempFolder();
        var source = Path.Combine(temp.Path, "small.onnx");
        File.WriteAllBytes(source, SmallModel().ToByteArray());
        var optimized = PassRunner.Run(new OnnxPeepholeOptimizerPass(), source, new OnnxPeepholeOptimizerOptions(), temp.Sub("out"));

        var model = OnnxModel.Load(optimized);
        var graph = model.MainGraph.Proto;
        // Identity, Dropout, the inner Reshape, the dead Relu and the constant Unsqueeze are gone.
        Assert.Equal(["Reshape", "Add", "Add", "Add"], graph.Node.Select(n => n.OpType));
        Assert.Equal("y", graph.Output.Single().Name);
        Assert.Equal("y", graph.Node[^1].Output[0]);
        // unused dropped; w2 merged into w1; the folded Unsqueeze became initializer u.
        Assert.Equal(["s2", "w1", "u"], graph.Initializer.Select(t => t.Name));
        Assert.Equal(new long[] { 1, 6 }, graph.Initializer.Single(t => t.Name == "u").Dims);

        var x = new float[] { 1, -2, 3, -4, 5, -6 };
        Assert.Equal(RunSmall(source, x), RunSmall(optimized, x));
    }

    [Fact]
    public void Nodes_with_only_constant_inputs_are_computed_by_onnx_runtime_and_random_ops_and_outputs_are_kept()
    {
        // y = x + Sqrt(Cast(c_int) * 2.5) + r, where r = RandomUniform (never folded); z = Neg(k) is a graph output (kept).
        var g = new GraphProto { Name = "fold" };
        g.Input.Add(Value("x", [2, 3]));
        g.Output.Add(Value("y", [2, 3]));
        g.Output.Add(Value("z", [2, 3]));
        g.Initializer.Add(TensorData.Create<int>("c_int", [1, 4, 9, 16, 25, 36], [2, 3]));
        g.Initializer.Add(TensorData.Create<float>("two_and_half", [2.5f], []));
        g.Initializer.Add(TensorData.Create<float>("k", [1, 2, 3, 4, 5, 6], [2, 3]));
        var cast = Node("Cast", ["c_int"], ["c"]);
        cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        g.Node.Add(cast);
        g.Node.Add(Node("Mul", ["c", "two_and_half"], ["m"]));
        g.Node.Add(Node("Sqrt", ["m"], ["s"]));
        var random = Node("RandomUniform", [], ["r"]);
        random.Attribute.Add(new AttributeProto { Name = "shape", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 2, 3 } });
        random.Attribute.Add(new AttributeProto { Name = "low", Type = AttributeProto.Types.AttributeType.Float, F = 0 });
        random.Attribute.Add(new AttributeProto { Name = "high", Type = AttributeProto.Types.AttributeType.Float, F = 0 });
        g.Node.Add(random);
        g.Node.Add(Node("Add", ["x", "s"], ["a"]));
        g.Node.Add(Node("Add", ["a", "r"], ["y"]));
        g.Node.Add(Node("Neg", ["k"], ["z"]));
        var source = new ModelProto { IrVersion = 8, Graph = g };
        source.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "fold.onnx");
        File.WriteAllBytes(path, source.ToByteArray());

        var optimized = PassRunner.Run(new OnnxPeepholeOptimizerPass(), path, new OnnxPeepholeOptimizerOptions(), temp.Sub("out"));

        var graph = OnnxModel.Load(optimized).MainGraph.Proto;
        Assert.Equal(["RandomUniform", "Add", "Add", "Neg"], graph.Node.Select(n => n.OpType));
        var folded = graph.Initializer.Single(t => t.Name == "s");
        // Sqrt(c·2.5) computed by ORT's kernel: sqrt(2.5), sqrt(10), ... exactly as float32 at run time.
        Assert.Equal(new[] { 1f, 4, 9, 16, 25, 36 }.Select(v => MathF.Sqrt(v * 2.5f)), TensorData.Read<float>(folded, null));
        var x = new float[] { 1, -2, 3, -4, 5, -6 };
        using var before = OrtValue.CreateTensor<float>(x.ToArray(), [2, 3]);
        using var after = OrtValue.CreateTensor<float>(x.ToArray(), [2, 3]);
        Assert.Equal(ModelRunner.Run(path, ("x", before))["y"], ModelRunner.Run(optimized, ("x", after))["y"]);
    }

    [Fact]
    public void Switched_off_clean_ups_leave_the_graph_alone()
    {
        using var temp = new TempFolder();
        var source = Path.Combine(temp.Path, "small.onnx");
        File.WriteAllBytes(source, SmallModel().ToByteArray());
        var off = new OnnxPeepholeOptimizerOptions
        {
            RemoveIdentity = false, RemoveDropout = false, RemoveDeadNodes = false, DedupeInitializers = false,
            ConstantFolding = false, FuseReshapeOperations = false,
        };
        var optimized = PassRunner.Run(new OnnxPeepholeOptimizerPass(), source, off, temp.Sub("out"));
        Assert.Equal(SmallModel().Graph.Node.Select(n => n.OpType), OnnxModel.Load(optimized).MainGraph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void Cast_chain_elimination_is_rejected_with_the_key_and_the_fix()
    {
        var errors = new OnnxPeepholeOptimizerPass().Validate(new OnnxPeepholeOptimizerOptions { CastChainElimination = true }, Target.Cpu);
        var error = Assert.Single(errors);
        Assert.StartsWith("cast_chain_elimination:", error, StringComparison.Ordinal);
        Assert.Contains("set it to false", error, StringComparison.Ordinal);
        Assert.True(new OnnxPeepholeOptimizerPass().Metadata.TargetAgnostic);
    }

    /// <summary>
    /// x[2,3] → Identity → Dropout → Reshape[3,2] → Reshape(s2=[1,6]) → Add w1 → Add w2 (= w1) → Identity → y,
    /// plus a dead Relu, an unused initializer, and a foldable Unsqueeze(constant) feeding the first Add.
    /// </summary>
    private static ModelProto SmallModel()
    {
        var g = new GraphProto { Name = "small" };
        g.Input.Add(Value("x", [2, 3]));
        g.Output.Add(Value("y", [1, 6]));
        g.Initializer.Add(TensorData.Create<long>("s1", [3, 2], [2]));
        g.Initializer.Add(TensorData.Create<long>("s2", [1, 6], [2]));
        g.Initializer.Add(TensorData.Create<float>("w1", [1, 2, 3, 4, 5, 6], [1, 6]));
        g.Initializer.Add(TensorData.Create<float>("w2", [1, 2, 3, 4, 5, 6], [1, 6]));
        g.Initializer.Add(TensorData.Create<float>("unused", [9], [1]));
        g.Initializer.Add(TensorData.Create<float>("c", [0.5f, 0.25f, 1, 2, 4, 8], [6]));
        g.Initializer.Add(TensorData.Create<long>("axes", [0], [1]));
        g.Node.Add(Node("Identity", ["x"], ["a"]));
        g.Node.Add(Node("Dropout", ["a"], ["b"]));
        g.Node.Add(Node("Reshape", ["b", "s1"], ["r1"]));
        g.Node.Add(Node("Reshape", ["r1", "s2"], ["r2"]));
        g.Node.Add(Node("Relu", ["x"], ["dead"]));
        g.Node.Add(Node("Unsqueeze", ["c", "axes"], ["u"]));
        g.Node.Add(Node("Add", ["r2", "w1"], ["e1"]));
        g.Node.Add(Node("Add", ["e1", "w2"], ["e2"]));
        g.Node.Add(Node("Add", ["e2", "u"], ["e3"]));
        g.Node.Add(Node("Identity", ["e3"], ["y"]));
        var model = new ModelProto { IrVersion = 8, Graph = g, ProducerName = "test" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        return model;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var n = new NodeProto { OpType = op, Name = op + "_" + outputs[0] };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    private static ValueInfoProto Value(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    private static float[] RunSmall(string path, float[] x)
    {
        using var value = OrtValue.CreateTensor<float>(x.ToArray(), [2, 3]);
        return ModelRunner.Run(path, ("x", value))["y"];
    }

    private static Dictionary<string, float[]> RunVad(string path)
    {
        using var input = OrtValue.CreateTensor<float>(ModelRunner.SeededFloats(512, 11), [1, 512]);
        using var state = OrtValue.CreateTensor<float>(new float[2 * 128], [2, 1, 128]);
        using var sr = OrtValue.CreateTensor<long>(new long[] { 16000 }, []);
        return ModelRunner.Run(path, ("input", input), ("state", state), ("sr", sr));
    }

    private static int OpCount(string path, string op) =>
        OnnxModel.Load(path).AllGraphs().Sum(g => g.Nodes.Count(n => n.OpType == op));

    private static int Nodes(string path) => OnnxModel.Load(path).AllGraphs().Sum(g => g.Nodes.Count);
}
