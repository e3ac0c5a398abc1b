using OliveNet.Onnx;
using OliveNet.Passes.Fusion;
using OliveNet.Passes.Quantization.Dynamic;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.Dynamic;

/// <summary>
/// Silero VAD v6 keeps its LSTMs inside If branches (one per sample rate), with W and R computed from Concat/Unsqueeze of
/// constants; ONNX Runtime's level-1 optimizer folds them to initializers, then <c>enable_subgraph</c> reaches them.
/// </summary>
public sealed class SileroLstmQuantizationTests(ITestOutputHelper output)
{
    /// <summary>
    /// Silero's gate rows differ a lot in size, so one scale per direction (reduce_range: 64 levels over the largest
    /// weight) leaves the small gates only a few levels: up to ~30 % relative noise on their pre-activations, which the cell
    /// state carries over the 10 chunks (forget gates near 1) — cosine ≥ 1 − 0.3²/2 ≈ 0.955 in the worst direction; per
    /// channel gives every row its own 64 levels. The floor 0.9 sits below that and far above a broken rewrite (wrong
    /// transpose, scale or gate order: unrelated states, cosine ≲ 0.5). The speech probability is a sigmoid (slope ≤ ¼)
    /// of a head fed by the state: ¼ · 30 % of its logit scale (≤ 0.25 here) bounds |Δp| by 0.02.
    /// </summary>
    /// <remarks>reduce_range for the reason <see cref="LstmQuantizationTests"/> gives (u8×s8 saturation on AVX2 without VNNI).</remarks>
    private const double StateCosineFloor = 0.9;
    private const double ProbabilityTolerance = 0.02;

    [Theory]
    [InlineData(false, 16000, 512)]
    [InlineData(false, 8000, 256)]
    [InlineData(true, 16000, 512)]
    public void LSTMs_in_If_branches_become_DynamicQuantizeLSTM_that_ORT_keeps_and_stay_close(bool perChannel, long sampleRate, int samples)
    {
        using var temp = new TempFolder();
        var log = new StringWriter();
        var folded = PassRunner.Run(new OrtTransformersOptimizationPass(), TestModels.SileroVad, new OrtTransformersOptimizationOptions { OptLevel = 1 }, temp.Sub("folded"));
        var quantized = PassRunner.Run(
            new OnnxDynamicQuantizationPass(),
            folded,
            new OnnxDynamicQuantizationOptions { OpTypesToQuantize = ["LSTM"], EnableSubgraph = true, PerChannel = perChannel, ReduceRange = true },
            temp.Sub("int8"),
            log);
        output.WriteLine(log.ToString().Trim());

        var nodes = OnnxModel.Load(quantized).AllGraphs().SelectMany(g => g.Nodes).ToList();
        Assert.DoesNotContain(nodes, n => n.OpType == "LSTM");
        Assert.Equal(4, nodes.Count(n => n is { OpType: "DynamicQuantizeLSTM", Domain: "com.microsoft" }));
        Assert.Equal(4, OrtGraph.OptimizedOps(quantized).GetValueOrDefault("com.microsoft.DynamicQuantizeLSTM"));

        var expected = RunVad(TestModels.SileroVad, sampleRate, samples);
        var actual = RunVad(quantized, sampleRate, samples);
        var probability = ModelRunner.MaxAbsDiff(expected["output"], actual["output"]);
        var state = Similarity.Cosine(expected["stateN"], actual["stateN"]);
        output.WriteLine($"sr {sampleRate}, per_channel {perChannel}: |Δ probability| {probability:E2} (p = {expected["output"][0]:F4}), state cosine {state:F6}");
        Assert.True(probability <= ProbabilityTolerance, $"probability differs by {probability:E2}");
        Assert.True(state >= StateCosineFloor, $"state cosine {state:F6} < {StateCosineFloor}");
    }

    /// <summary>Ten chunks of a seeded signal, carrying the state, so the recurrence runs over time.</summary>
    private static Dictionary<string, float[]> RunVad(string model, long sampleRate, int samples)
    {
        var state = new float[2 * 128];
        Dictionary<string, float[]> result = [];
        for (var chunk = 0; chunk < 10; chunk++)
        {
            using var input = OrtValue.CreateTensor<float>(ModelRunner.SeededFloats(samples, 100 + chunk), [1, samples]);
            using var sr = OrtValue.CreateTensor<long>(new[] { sampleRate }, []);
            using var stateValue = OrtValue.CreateTensor<float>(state, [2, 1, 128]);
            result = ModelRunner.Run(model, ("input", input), ("sr", sr), ("state", stateValue));
            state = result["stateN"];
        }

        return result;
    }
}
