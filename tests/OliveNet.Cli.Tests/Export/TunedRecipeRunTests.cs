using System.Text.Json.Nodes;
using OliveNet.Engine.Evaluation;
using OliveNet.Runtime;
using OliveNet.Runtime.Generation;

namespace OliveNet.Cli.Tests.Export;

/// <summary><c>olivenet run</c> of the k-quant + session-tuning recipe: the published folder keeps the tuned settings.</summary>
public sealed class TunedRecipeRunTests : IDisposable
{
    private static readonly string Pipeline = Path.Combine(HfCheckpointRunTests.RepoRoot(), "pipelines", "kjv-llama-kquant-tuned-cpu.yaml");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_published_folder_records_the_tuned_session_options_for_GenAI_and_for_evaluation()
    {
        var result = CliRunner.Json("run", Pipeline, "--json", "--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={_dir.Path}/out");
        Assert.Equal(4, result.GetProperty("passes").GetArrayLength());
        var output = Path.Combine(_dir.Path, "out");

        // The publisher's model_config.json keeps the inference_settings the tuning pass recorded.
        var settings = InferenceSettings.Load(output);
        Assert.NotNull(settings);
        Assert.NotNull(settings.IntraOpThreads);
        var genai = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "genai_config.json")))!["model"]!["decoder"]!["session_options"]!;
        Assert.Equal(settings.IntraOpThreads, genai["intra_op_num_threads"]!.GetValue<int>());
        using (var options = EvaluationSessions.Options(Path.Combine(output, "model.onnx"), "CPUExecutionProvider", forTiming: true))
        {
            Assert.Equal(settings.IntraOpThreads, options.IntraOpThreads);
        }

        using var model = GenAILanguageModel.Load(output);
        Assert.Equal(4, model.Generate([65, 110, 100], new GenerationOptions { MaxNewTokens = 4, IgnoreEndOfSequence = true }).Tokens.Count);
    }
}
