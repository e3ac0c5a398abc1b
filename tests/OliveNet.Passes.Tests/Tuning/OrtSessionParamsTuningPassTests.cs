using System.Text.Json.Nodes;
using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Engine.Evaluation;
using OliveNet.Passes.Tests.Graph.Surgeries;
using OliveNet.Passes.Tuning;
using OliveNet.Runtime;
using OliveNet.Runtime.Generation;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Tuning;

/// <summary>OrtSessionParamsTuning: the winner is recorded where GenAI and OliveNet's evaluation read it.</summary>
public sealed class OrtSessionParamsTuningPassTests(ITestOutputHelper output)
{
    private static OrtSessionParamsTuningOptions Small(int[] threads) => new()
    {
        IntraThreadNumList = threads,
        ExecutionModeList = [0],
        OptLevelList = [99, 1],
        AllowSpinningList = [true, false],
        WarmupNum = 2,
        RepeatTestNum = 5,
    };

    [Fact]
    public void The_tuned_settings_are_recorded_in_model_config_and_evaluation_sessions_use_them()
    {
        using var temp = new TempFolder();

        // Silero's STFT needs real chunk lengths: two samples of 512 audio values at 16 kHz, in the data_config layout.
        var data = temp.Sub("data");
        List<string> order;
        using (var probe = new InferenceSession(TestModels.SileroIfless))
        {
            order = probe.Inputs.Select(i => i.Name).ToList();
        }

        for (var i = 0; i < 2; i++)
        {
            var sample = Directory.CreateDirectory(Path.Combine(data, $"sample_{i:D4}")).FullName;
            File.WriteAllBytes(Path.Combine(sample, $"input_{order.IndexOf("input")}.pb"), TensorData.Create<float>("input", ModelRunner.SeededFloats(512, i), [1, 512]).ToByteArray());
            File.WriteAllBytes(Path.Combine(sample, $"input_{order.IndexOf("state")}.pb"), TensorData.Create<float>("state", new float[256], [2, 1, 128]).ToByteArray());
            File.WriteAllBytes(Path.Combine(sample, $"input_{order.IndexOf("sr")}.pb"), TensorData.Create<long>("sr", [16000L], []).ToByteArray());
        }

        var log = new StringWriter();
        var tuned = PassRunner.Run(new OrtSessionParamsTuningPass(), TestModels.SileroIfless, Small([1, 2]) with { DataDir = data }, temp.Sub("out"), log);
        output.WriteLine(log.ToString());

        var settings = InferenceSettings.Load(Path.GetDirectoryName(tuned)!);
        Assert.NotNull(settings);
        Assert.Contains(settings.IntraOpThreads!.Value, new[] { 1, 2 });
        Assert.Contains(settings.OptimizationLevel!.Value, new[] { GraphOptimizationLevel.All, GraphOptimizationLevel.Basic });
        Assert.Contains(settings.ConfigEntries["session.intra_op.allow_spinning"], new[] { "0", "1" });
        Assert.False(settings.ParallelExecution);

        // The seam evaluation opens its sessions through: the tuned values, not ORT's defaults.
        using var options = EvaluationSessions.Options(tuned, "CPUExecutionProvider", forTiming: false);
        Assert.Equal(settings.IntraOpThreads, options.IntraOpThreads);
        Assert.Equal(settings.OptimizationLevel, options.OptimizationLevel);
        using var session = new InferenceSession(tuned, options);
        Assert.Equal(3, session.Inputs.Count);
    }

    [Fact]
    public void A_GenAI_folder_gets_the_winner_in_genai_config_and_GenAI_loads_and_generates_with_it()
    {
        using var temp = new TempFolder();
        var source = SurgeryModels.Qwen3(temp.Sub("fp32"), "fp32");
        var tuned = PassRunner.Run(new OrtSessionParamsTuningPass(), source, Small([1]), temp.Sub("out"));
        var folder = Path.GetDirectoryName(tuned)!;

        var session = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "genai_config.json")))!["model"]!["decoder"]!["session_options"]!;
        Assert.Equal(1, session["intra_op_num_threads"]!.GetValue<int>());
        Assert.StartsWith("ORT_", session["graph_optimization_level"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(session["session.intra_op.allow_spinning"]!.GetValue<string>(), new[] { "0", "1" });
        Assert.Equal(1, InferenceSettings.Load(folder)!.IntraOpThreads);

        using (var model = GenAILanguageModel.Load(folder))
        {
            var result = model.Generate(SurgeryModels.Ids.Take(4).Select(i => (int)i).ToList(), new GenerationOptions { MaxNewTokens = 3, IgnoreEndOfSequence = true });
            Assert.Equal(3, result.Tokens.Count);
        }

        // GenAI really reads that section: a level it does not know is refused at load.
        session["graph_optimization_level"] = "ORT_ENABLE_EVERYTHING";
        File.WriteAllText(Path.Combine(folder, "genai_config.json"), session.Root.ToJsonString());
        Assert.Throws<GenerationException>(() => GenAILanguageModel.Load(folder));
    }
}
