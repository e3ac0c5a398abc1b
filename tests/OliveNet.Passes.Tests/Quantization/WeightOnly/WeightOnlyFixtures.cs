using OliveNet.Passes.Export;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Export;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly;

/// <summary>Shared inputs of the checkpoint quantization tests.</summary>
internal static class WeightOnlyFixtures
{
    /// <summary>KJV text the KJV model was trained on (Genesis 1–4), the calibration text of the sample recipe.</summary>
    public static string CalibrationText => Path.Combine(TestModels.RepoRoot(), "pipelines", "data", "kjv", "genesis-1-4.txt");

    /// <summary>Exports <paramref name="checkpoint"/> with ModelBuilder (<paramref name="precision"/>, block 32 symmetric, accuracy level 4 by
    /// default, logits of every position), its embedding left float so that only the projections' quantization shows.</summary>
    public static string Export(string checkpoint, string output, string precision = "int4", int accuracyLevel = 4)
    {
        ModelBuilderPass.Export(checkpoint, output, new ExportSettings(precision, 32, true, accuracyLevel, false, false) { QuantizeGather = false }, TextWriter.Null, default);
        return output;
    }

    /// <summary>Rtn with the given options into <paramref name="output"/>.</summary>
    public static string Rtn(string checkpoint, string output, RtnOptions options)
    {
        RtnPass.Quantize(checkpoint, output, options, TextWriter.Null);
        return output;
    }

    // Random-weight fixtures fall into repeating one token under plain greedy search; a large repetition penalty (applied
    // to the full-forward logits the same way: positive logits of seen ids divided, negative ones multiplied) makes every
    // step pick a token of its own, as ExportGenerateTests does.
    private const float Penalty = 1000f;

    /// <summary>
    /// Greedy generation through ONNX Runtime GenAI must follow the argmax of full forwards of the same model (the last
    /// position's <paramref name="vocab"/> logits; all positions' when null, the vocabulary then being their width), up
    /// to near-ties within <paramref name="tolerance"/>, absolute or, with <paramref name="relative"/>, of the step's logit scale.
    /// </summary>
    public static List<int> GenAIGreedy(string folder, int[] prompt, int newTokens, double tolerance, int? vocab = null, bool relative = false)
    {
        using var genai = OliveNet.Runtime.Generation.GenAILanguageModel.Load(folder);
        var options = new OliveNet.Runtime.Generation.GenerationOptions { MaxNewTokens = newTokens, IgnoreEndOfSequence = true, DoSample = false, RepetitionPenalty = Penalty };
        var tokens = genai.Generate(prompt, options).Tokens.ToList();
        Assert.Equal(newTokens, tokens.Count);
        using var session = new DecoderSession(folder);
        for (var t = 0; t < tokens.Count; t++)
        {
            session.Reset();
            var sequence = prompt.Concat(tokens.Take(t)).Select(i => (long)i).ToArray();
            var logits = session.Step(sequence);
            var width = vocab ?? logits.Length / sequence.Length;
            var last = logits.AsSpan(logits.Length - width, width);
            var bound = relative ? tolerance * MaxAbs(last) : tolerance;
            foreach (var id in sequence.Distinct())
            {
                last[(int)id] = last[(int)id] > 0 ? last[(int)id] / Penalty : last[(int)id] * Penalty;
            }

            var best = 0;
            for (var i = 1; i < width; i++)
            {
                best = last[i] > last[best] ? i : best;
            }

            Assert.True(best == tokens[t] || last[best] - last[tokens[t]] <= bound,
                $"step {t}: GenAI chose {tokens[t]} (logit {last[tokens[t]]}) but the full forward's argmax is {best} (logit {last[best]})");
        }

        return tokens;
    }

    private static double MaxAbs(ReadOnlySpan<float> values)
    {
        var max = 0.0;
        foreach (var v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }
}
