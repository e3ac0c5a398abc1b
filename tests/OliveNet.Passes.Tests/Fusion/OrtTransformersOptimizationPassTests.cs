using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Fusion;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Fusion;

public sealed class OrtTransformersOptimizationPassTests(ITestOutputHelper output)
{
    // Tolerance for the probability maps (sigmoid for det, softmax for rec), derived from float32 rounding.
    // Fusion folds BatchNorm/Mul/Add into Conv weights and fuses activations, which re-rounds each weight once (relative
    // error ε = 2^-24 ≈ 6e-8) and changes the summation order of each dot product: a reordered n-term float32 sum
    // differs by at most γ_n·Σ|terms| with γ_n = nε/(1 - nε). PP-OCRv4's widest Conv sums n = 3·3·128 ≈ 1.2e3 terms,
    // so one layer changes its output by at most ≈ 7e-5 relative to Σ|terms|; realistic (random-walk) error is
    // √n·ε ≈ 2e-6 per layer. Over the ≈ 60 conv/matmul layers these add as a random walk: √60·2e-6 ≈ 1.6e-5 relative,
    // and BatchNorm-normalized activations keep Σ|terms| at O(1..10), giving logit errors around 1e-4. Sigmoid and
    // softmax are 1/4- and 1/2-Lipschitz in their logits, so probabilities move by at most ≈ 5e-5; 2e-4 leaves a
    // factor of 4 for the worst case while still catching a wrong fusion (those move probabilities by 1e-2 or more).
    private const double ProbabilityTolerance = 2e-4;

    private static readonly long[] DetShape = [1, 3, 96, 96];
    private static readonly long[] RecShape = [1, 3, 48, 320];

    public static TheoryData<string, int> ModelsAndLevels()
    {
        var data = new TheoryData<string, int>();
        foreach (var model in new[] { "det", "rec" })
        {
            foreach (var level in new[] { 0, 1, 2, 99 })
            {
                data.Add(model, level);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ModelsAndLevels))]
    public void Fused_model_runs_in_ORT_and_gives_the_input_models_outputs(string which, int level)
    {
        var (path, shape) = which == "det" ? (TestModels.OcrDet, DetShape) : (TestModels.OcrRec, RecShape);
        using var temp = new TempFolder();
        var fused = PassRunner.Run(new OrtTransformersOptimizationPass(), path, new OrtTransformersOptimizationOptions { OptLevel = level }, temp.Sub("out"));

        var expected = ModelRunner.RunImage(path, shape);
        var actual = ModelRunner.RunImage(fused, shape);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, values) in expected)
        {
            var diff = ModelRunner.MaxAbsDiff(values, actual[name]);
            output.WriteLine($"{which} opt_level {level}: {Nodes(path)} → {Nodes(fused)} nodes; max |Δ| {name} = {diff:E2}");
            // Level 0 changes no arithmetic (it only re-serializes, turning Constant nodes into initializers).
            var tolerance = level == 0 ? 0 : ProbabilityTolerance;
            Assert.True(diff <= tolerance, $"{which} at opt_level {level}: output {name} differs by {diff:E2} > {tolerance:E0}.");
        }
    }

    [Theory]
    [InlineData(1, 16000, 512)]
    [InlineData(2, 16000, 512)]
    [InlineData(2, 8000, 256)]
    [InlineData(99, 16000, 512)]
    public void Fused_Silero_VAD_loads_in_ORT_and_gives_the_input_models_outputs_in_either_If_branch(int level, long sampleRate, int samples)
    {
        // ORT's level-2 output lists the `splits` initializer twice in each If branch and then refuses to load it;
        // the pass must drop the repeats. Silero is ≈ 6 layers deep with at most 384-term sums, so the float32
        // argument above bounds its probability and LSTM-state differences well inside the same tolerance.
        using var temp = new TempFolder();
        var fused = PassRunner.Run(new OrtTransformersOptimizationPass(), TestModels.SileroIfless, new OrtTransformersOptimizationOptions { OptLevel = level }, temp.Sub("out"));

        Dictionary<string, float[]> RunVad(string model)
        {
            using var input = OrtValue.CreateTensor<float>(ModelRunner.SeededFloats(samples, 3), [1, samples]);
            using var sr = OrtValue.CreateTensor<long>(new[] { sampleRate }, []);
            using var state = OrtValue.CreateTensor<float>(ModelRunner.SeededFloats(2 * 128, 5), [2, 1, 128]);
            return ModelRunner.Run(model, ("input", input), ("sr", sr), ("state", state));
        }

        var expected = RunVad(TestModels.SileroIfless);
        var actual = RunVad(fused);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, values) in expected)
        {
            var diff = ModelRunner.MaxAbsDiff(values, actual[name]);
            output.WriteLine($"silero opt_level {level} sr {sampleRate}: max |Δ| {name} = {diff:E2}");
            Assert.True(diff <= ProbabilityTolerance, $"silero at opt_level {level}, sr {sampleRate}: output {name} differs by {diff:E2}.");
        }
    }

    [Theory]
    [InlineData("det")]
    [InlineData("rec")]
    public void Basic_and_extended_levels_reduce_the_node_count(string which)
    {
        var path = which == "det" ? TestModels.OcrDet : TestModels.OcrRec;
        using var temp = new TempFolder();
        var before = Nodes(path);
        var basic = Nodes(PassRunner.Run(new OrtTransformersOptimizationPass(), path, new OrtTransformersOptimizationOptions { OptLevel = 1 }, temp.Sub("l1")));
        var extended = Nodes(PassRunner.Run(new OrtTransformersOptimizationPass(), path, new OrtTransformersOptimizationOptions { OptLevel = 2 }, temp.Sub("l2")));
        output.WriteLine($"{which}: {before} nodes, basic {basic}, extended {extended}");
        Assert.True(basic < before, $"basic fusion should remove nodes from {which} ({before} → {basic}).");
        Assert.True(extended < basic, $"extended fusion should remove more nodes than basic on {which} ({basic} → {extended}).");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(99)]
    public void Same_input_and_options_give_byte_identical_files(int level)
    {
        using var temp = new TempFolder();
        var options = new OrtTransformersOptimizationOptions { OptLevel = level, SizeThreshold = 1024 };
        var first = PassRunner.Run(new OrtTransformersOptimizationPass(), TestModels.OcrRec, options, temp.Sub("a"));
        var second = PassRunner.Run(new OrtTransformersOptimizationPass(), TestModels.OcrRec, options, temp.Sub("b"));
        PassRunner.AssertSameFiles(Path.GetDirectoryName(first)!, Path.GetDirectoryName(second)!);
    }

    [Fact]
    public void Large_weights_go_to_model_onnx_data_and_no_temp_files_are_left()
    {
        using var temp = new TempFolder();
        var fused = PassRunner.Run(new OrtTransformersOptimizationPass(), TestModels.OcrDet, new OrtTransformersOptimizationOptions(), temp.Sub("out"));
        var folder = Path.GetDirectoryName(fused)!;
        Assert.Equal(["model.onnx", "model.onnx.data"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order());
        var model = OnnxModel.Load(fused);
        Assert.All(model.MainGraph.Proto.Initializer, t => Assert.Equal(TensorData.ByteSize(t) >= 1024, TensorData.IsExternal(t)));
    }

    [Fact]
    public void Only_the_opset_domains_the_fused_graph_uses_are_imported()
    {
        using var temp = new TempFolder();
        var fused = OnnxModel.Load(PassRunner.Run(new OrtTransformersOptimizationPass(), TestModels.OcrRec, new OrtTransformersOptimizationOptions(), temp.Sub("out")));

        var used = fused.AllGraphs().SelectMany(g => g.Nodes).Select(n => n.Domain).Append(string.Empty).ToHashSet();
        // ORT writes imports for every domain it knows (ai.onnx.ml, training, aten, ...); only used ones remain.
        Assert.Equal(used.Order(StringComparer.Ordinal), fused.Proto.OpsetImport.Select(o => o.Domain).Order(StringComparer.Ordinal));
        Assert.Contains("com.microsoft", used);
    }

    [Fact]
    public void Invalid_options_are_reported_by_key()
    {
        var pass = new OrtTransformersOptimizationPass();
        var errors = pass.Validate(new OrtTransformersOptimizationOptions { OptLevel = 5, Float16 = true, UseGpu = true }, Target.Cpu);
        Assert.Contains(errors, e => e.StartsWith("opt_level: 5 is not one of", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("float16:", StringComparison.Ordinal) && e.Contains("OnnxFloatToFloat16", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("use_gpu:", StringComparison.Ordinal) && e.Contains("'cpu'", StringComparison.Ordinal));
        Assert.Empty(pass.Validate(new OrtTransformersOptimizationOptions { UseGpu = true }, new Target("gpu", "CUDAExecutionProvider")));
    }

    [Fact]
    public void A_file_ORT_cannot_load_fails_the_pass_with_the_path()
    {
        using var temp = new TempFolder();
        var bogus = Path.Combine(temp.Path, "broken.onnx");
        File.WriteAllBytes(bogus, [0x08, 0x07, 0x12]);
        var ex = Assert.Throws<PassFailedException>(() =>
            PassRunner.Run(new OrtTransformersOptimizationPass(), bogus, new OrtTransformersOptimizationOptions(), temp.Sub("out")));
        Assert.Contains(bogus, ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "out", ".ort-optimized")));
    }

    [Fact]
    public void A_CUDA_target_on_a_machine_without_CUDA_fails_the_pass_and_does_not_fuse_for_the_CPU()
    {
        // Test hosts have no GPU (and the bundled ONNX Runtime no CUDA libraries), so the provider cannot be created.
        using var temp = new TempFolder();
        var cuda = new Target("gpu", "CUDAExecutionProvider");
        var context = new PassContext(new ModelArtifact(TestModels.OcrRec, "test"), temp.Sub("out"), cuda, TextWriter.Null, default);
        Directory.CreateDirectory(context.OutputFolder);

        var ex = Assert.Throws<PassFailedException>(() => new OrtTransformersOptimizationPass().Run(context, new OrtTransformersOptimizationOptions()));
        output.WriteLine(ex.Message);
        Assert.Contains("'CUDAExecutionProvider'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be created on this machine by this ONNX Runtime build", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no silent CPU fallback", ex.Message, StringComparison.Ordinal);
        Assert.IsType<OrtException>(ex.InnerException);
        Assert.False(File.Exists(context.OutputModelPath), "No CPU-fused model may be written for a CUDA target.");
        Assert.False(Directory.Exists(Path.Combine(context.OutputFolder, ".ort-optimized")));
    }

    [Fact]
    public void The_CPU_target_fuses_through_an_explicit_context()
    {
        using var temp = new TempFolder();
        var context = new PassContext(new ModelArtifact(TestModels.OcrRec, "test"), temp.Sub("out"), Target.Cpu, TextWriter.Null, default);
        Directory.CreateDirectory(context.OutputFolder);

        new OrtTransformersOptimizationPass().Run(context, new OrtTransformersOptimizationOptions { OptLevel = 2 });

        Assert.True(Nodes(context.OutputModelPath) < Nodes(TestModels.OcrRec), "opt_level 2 on the CPU target should remove nodes.");
    }

    [Fact]
    public void Metadata_names_the_Olive_pass_and_is_not_target_agnostic()
    {
        var meta = new OrtTransformersOptimizationPass().Metadata;
        Assert.Equal("OrtTransformersOptimization", meta.Id);
        Assert.False(meta.TargetAgnostic);
        Assert.Equal(["cpu", "gpu", "npu"], meta.Devices);
    }

    private static int Nodes(string path) => OnnxModel.Load(path).AllGraphs().Sum(g => g.Nodes.Count);
}
