using System.Text.Json;

namespace OliveNet.Cli.Tests.Workflows;

/// <summary>
/// Olive run configs without passes (olive-recipes' whisper_eval_wer.json, ai2d_cpu.json, the *_with_eval baselines):
/// Olive evaluates the input model with the evaluator and stops. OliveNet does the same, on the committed Fashion-MNIST
/// CNN, in Olive's JSON form.
/// </summary>
public sealed class EvaluationOnlyTests : IDisposable
{
    private const string Data = "/usr/share/datasets/fashion-mnist";
    private static readonly string Model = Path.Combine(RepoRoot(), "pipelines", "models", "fashion-mnist-cnn.onnx");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_run_config_without_passes_evaluates_the_input_model_and_publishes_it_unchanged_with_its_metrics()
    {
        Assert.True(File.Exists(Path.Combine(Data, "t10k-images-idx3-ubyte.gz")), "Fashion-MNIST is missing: apt-get install -y dataset-fashion-mnist");
        var recipe = _dir.File("eval.json", Recipe(evaluator: true, passes: string.Empty));

        var (exit, _, stderr) = CliRunner.Run("run", recipe);

        Assert.True(exit == 0, stderr);
        Assert.Contains("no passes: the recipe evaluates the input model only", stderr, StringComparison.Ordinal);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "metrics.json")));
        var candidate = Assert.Single(metrics.RootElement.GetProperty("candidates").EnumerateArray());
        // The first 200 test images: the CNN classifies 180 of them right (87.3 % on all 10000, fashion-mnist-cnn.training.json).
        Assert.Equal(180.0 / 200, candidate.GetProperty("metrics").GetProperty("accuracy-accuracy_score").GetDouble(), 1e-9);
        Assert.Equal(new FileInfo(Model).Length, candidate.GetProperty("metrics").GetProperty("size-bytes").GetInt64());
        Assert.Equal(File.ReadAllBytes(Model), File.ReadAllBytes(Path.Combine(_dir.Path, "out", "fashion-mnist-cnn.onnx")));
    }

    [Fact]
    public void Empty_passes_is_the_same_as_no_passes_and_without_an_evaluator_it_says_what_olive_would_do()
    {
        var (exit, _, stderr) = CliRunner.Run("validate", _dir.File("empty.json", Recipe(evaluator: true, passes: "\"passes\": {},")));
        Assert.True(exit == 0, stderr);

        (exit, _, stderr) = CliRunner.Run("validate", _dir.File("bare.json", Recipe(evaluator: false, passes: string.Empty)));
        Assert.Equal(2, exit);
        Assert.Contains("passes: is required", stderr, StringComparison.Ordinal);
        Assert.Contains("give an evaluator", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluating_a_checkpoint_without_passes_is_refused_as_a_pytorch_input()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "ckpt"));
        _dir.File("ckpt/config.json", """{"architectures": ["LlamaForCausalLM"]}""");
        var recipe = _dir.File("ckpt.json", Recipe(evaluator: true, passes: string.Empty).Replace(
            $$"""{"type": "ONNXModel", "model_path": "{{Model}}"}""", """{"type": "HfModel", "model_path": "ckpt"}""", StringComparison.Ordinal));

        var (exit, _, stderr) = CliRunner.Run("validate", recipe);

        Assert.Equal(2, exit);
        Assert.Contains("PyTorch inputs are not supported by OliveNet's evaluator; add a ModelBuilder pass", stderr, StringComparison.Ordinal);
    }

    private static string Recipe(bool evaluator, string passes) => $$$"""
        {
          "input_model": {"type": "ONNXModel", "model_path": "{{{Model}}}"},
          "data_configs": [{
            "name": "test",
            "load_dataset_config": {"type": "idx_dataset", "params": {"images_file": "{{{Data}}}/t10k-images-idx3-ubyte.gz", "labels_file": "{{{Data}}}/t10k-labels-idx1-ubyte.gz", "max_samples": 200}},
            "dataloader_config": {"type": "default_dataloader", "params": {"batch_size": 50}},
            "post_process_data_config": {"type": "argmax"}
          }],
          {{{(evaluator ? Evaluator : string.Empty)}}}
          {{{passes}}}
          "cache_dir": "cache",
          "output_dir": "out"
        }
        """;

    private const string Evaluator = """
        "evaluators": {"common_evaluator": {"metrics": [
          {"name": "accuracy", "type": "accuracy", "data_config": "test", "sub_types": [{"name": "accuracy_score", "priority": 1}]},
          {"name": "size", "type": "size_on_disk"}
        ]}},
        "evaluator": "common_evaluator",
        """;

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
