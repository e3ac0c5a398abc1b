using System.Text.Json;
using OliveNet.Runtime;

namespace OliveNet.Cli.Tests.Export;

/// <summary><c>olivenet run</c> from a Hugging Face checkpoint: the committed KJV model through the ModelBuilder recipe.</summary>
public sealed class HfCheckpointRunTests : IDisposable
{
    private static readonly string Pipeline = Path.Combine(RepoRoot(), "pipelines", "kjv-llama-int4-cpu.yaml");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_kjv_recipe_exports_an_int4_genai_folder_that_onnx_runtime_loads_and_a_rerun_reuses()
    {
        string[] args = ["run", Pipeline, "--json", "--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={_dir.Path}/out"];
        var cold = CliRunner.Json(args);
        var warm = CliRunner.Json(args);

        Assert.Equal(cold.GetProperty("input_artifact_id").GetString(), warm.GetProperty("input_artifact_id").GetString());
        Assert.True(warm.GetProperty("passes")[0].GetProperty("cache_hit").GetBoolean());
        var output = Path.Combine(_dir.Path, "out");
        foreach (var file in new[] { "model.onnx", "model.onnx.data", "genai_config.json", "tokenizer.json", "manifest.json" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        }

        using var session = new InferenceSession(Path.Combine(output, "model.onnx"));
        Assert.Contains(session.Inputs, i => i.Name == "past_key_values.3.value");
        Assert.Contains(session.Outputs, o => o.Name == "logits");
        using var genai = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "genai_config.json")));
        Assert.Equal(257, genai.RootElement.GetProperty("model").GetProperty("eos_token_id").GetInt32());
    }

    [Fact]
    public void A_checkpoint_input_whose_first_pass_is_not_model_builder_fails_with_one_clear_line()
    {
        var recipe = Path.Combine(_dir.Path, "bad.yaml");
        var checkpoint = Path.Combine(RepoRoot(), "tests", "fixtures", "llm", "kjv-llama");
        File.WriteAllText(recipe, $"""
            input_model:
              type: HfModel
              model_path: {checkpoint}
            passes:
              peephole:
                type: OnnxPeepholeOptimizer
            cache_dir: {_dir.Path}/cache
            output_dir: {_dir.Path}/out
            """);
        var (exit, _, stderr) = CliRunner.Run("run", recipe);

        Assert.NotEqual(0, exit);
        Assert.Contains("only the ModelBuilder or GgufExport pass reads", stderr, StringComparison.Ordinal);
        Assert.Contains("peephole (OnnxPeepholeOptimizer)", stderr, StringComparison.Ordinal);
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("OliveNet.sln not found above the test binaries");
    }
}
