using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Engine.Workflows;

namespace OliveNet.Engine.Tests.Workflows;

public sealed class WorkflowRunnerTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-run-");
    private readonly RecipeLoader _loader = new(new PassRegistry([new DocStringPass(), new SlowPass()]));

    public WorkflowRunnerTests()
    {
        File.Copy(Fixtures.ConformanceModel("test_relu"), Path.Combine(_dir.FullName, "relu.onnx"));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void A_pass_that_outlives_its_timeout_fails_the_run_and_is_recorded_as_failed()
    {
        var recipe = Load("""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            passes:
              slow: {type: Slow, work_ms: 5000, timeout: 0.2}
            """);

        var started = DateTime.UtcNow;
        var error = Assert.Throws<WorkflowFailedException>(() => new WorkflowRunner().Run(recipe, new RunSettings()));

        Assert.Contains("pass slow (Slow) failed: did not finish within its timeout of 0.2 s", error.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "the pass was not stopped at its timeout");
        Assert.False(Directory.Exists(recipe.OutputDir));
    }

    [Fact]
    public void A_pass_within_its_timeout_publishes_normally()
    {
        var recipe = Load("""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            passes:
              slow: {type: Slow, work_ms: 20, timeout: 30}
              doc: {type: DocString, text: done}
            """);

        var summary = new WorkflowRunner().Run(recipe, new RunSettings());

        Assert.Equal(2, summary.Passes.Count);
        Assert.Empty(OutputVerifier.Verify(recipe.OutputDir));
        Assert.Equal("done", Onnx.OnnxModel.Load(Path.Combine(recipe.OutputDir, "model.onnx")).Proto.DocString);
    }

    [Fact]
    public void Cancelling_a_run_stops_it_and_publishes_nothing()
    {
        var recipe = Load("""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            passes:
              slow: {type: Slow, work_ms: 5000}
            """);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.ThrowsAny<OperationCanceledException>(() => new WorkflowRunner().Run(recipe, new RunSettings(), cancel.Token));

        Assert.False(Directory.Exists(recipe.OutputDir));
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(recipe.CacheDir, recipe.WorkflowId, "runs")));
    }

    [Fact]
    public void A_target_provider_that_cannot_be_created_here_fails_before_anything_runs()
    {
        var recipe = Load("""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            target:
              accelerators: [{device: gpu, execution_providers: [CUDAExecutionProvider]}]
            passes:
              doc: {type: DocString}
            """);

        var error = Assert.Throws<WorkflowFailedException>(() => new WorkflowRunner().Run(recipe, new RunSettings()));

        Assert.Contains("CUDAExecutionProvider cannot be created", error.Message, StringComparison.Ordinal);
        Assert.Contains("execution_providers: [CUDAExecutionProvider, CPUExecutionProvider]", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(recipe.CacheDir));
    }

    [Fact]
    public void A_named_fallback_is_used_with_a_warning_in_the_summary_manifest_and_history()
    {
        var recipe = Load("""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            target:
              accelerators: [{device: gpu, execution_providers: [CUDAExecutionProvider, CPUExecutionProvider]}]
            passes:
              doc: {type: DocString}
            """);

        var summary = new WorkflowRunner().Run(recipe, new RunSettings());

        Assert.Equal(new Target("cpu", "CPUExecutionProvider"), summary.Target);
        var warning = Assert.Single(summary.Warnings);
        Assert.Contains("using the fallback CPUExecutionProvider", warning, StringComparison.Ordinal);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(recipe.OutputDir, "manifest.json")))!;
        Assert.Equal("CUDAExecutionProvider", manifest["target"]!["requested_execution_provider"]!.GetValue<string>());
        Assert.Equal(warning, manifest["warnings"]![0]!.GetValue<string>());
        Assert.Contains($"warning: {warning}", File.ReadAllText(Path.Combine(recipe.OutputDir, "run_history.txt")), StringComparison.Ordinal);
    }

    private Recipe Load(string text)
    {
        var path = Path.Combine(_dir.FullName, "recipe.yaml");
        File.WriteAllText(path, text + "\ncache_dir: cache\noutput_dir: out\n");
        return _loader.Load(path, environment: new Dictionary<string, string?>());
    }
}
