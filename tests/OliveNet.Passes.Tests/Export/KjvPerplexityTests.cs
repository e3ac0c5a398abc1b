using OliveNet.Passes.Export;
using OliveNet.Runtime.Generation;
using OliveNet.Text.Tokenizers;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// Perplexity of the committed KJV byte-level Llama (tests/fixtures/llm/kjv-llama, trained by train_kjv.py) on its
/// held-out text (the end of the New Testament, never trained on), exported in each precision and run through our
/// ORT binding. The figures go to the test output; bench/export/README.md records one run.
/// </summary>
public sealed class KjvPerplexityTests(ITestOutputHelper output)
{
    private const int Window = 128; // the training window and the model's context length
    internal const int HeldOutBytes = 4096;

    public static string Checkpoint => Path.Combine(TestModels.RepoRoot(), "tests", "fixtures", "llm", "kjv-llama");

    [Fact]
    public void The_trained_model_beats_a_unigram_model_and_quantized_exports_keep_most_of_that_gain()
    {
        var text = File.ReadAllText(Path.Combine(Checkpoint, "heldout.txt"))[..HeldOutBytes];
        var ids = Tokenizer.Load(Path.Combine(Checkpoint, "tokenizer.json")).Encode(text).Select(i => (long)i).ToArray();
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(text), ids.Length); // byte-level, no merges: one id per byte

        // The held-out text's own byte entropy is the best any context-free (unigram) model can do on it.
        var unigram = Math.Exp(-ids.GroupBy(i => i).Sum(g => (double)g.Count() / ids.Length * Math.Log((double)g.Count() / ids.Length)));
        using var temp = new TempFolder();
        var fp32 = Perplexity(temp.Sub("fp32"), new ExportSettings("fp32", 32, true, 4, false, false), ids);
        output.WriteLine($"unigram (held-out entropy) {unigram:F3}; fp32 {fp32:F3}");
        Assert.True(fp32 < unigram, $"fp32 perplexity {fp32:F2} should beat the unigram bound {unigram:F2}");

        foreach (var (precision, block, symmetric) in new[] { ("int4", 32, true), ("int4", 32, false), ("int4", 128, true), ("int4", 128, false), ("int8", 32, true) })
        {
            var settings = new ExportSettings(precision, block, symmetric, 4, false, false);
            var ppl = Perplexity(temp.Sub($"{precision}-{block}-{symmetric}"), settings, ids);
            output.WriteLine($"{precision} block {block} {(symmetric ? "sym" : "asym")}: {ppl:F3} ({(ppl / fp32) - 1:P2} vs fp32)");

            // Quantization may cost some of what training gained over the unigram model, not most of it.
            Assert.True(ppl < (fp32 + unigram) / 2, $"{precision} b{block} sym={symmetric}: perplexity {ppl:F2} lost over half the gain of fp32 {fp32:F2} over unigram {unigram:F2}");
        }
    }

    /// <summary>
    /// Every export default changed for speed or size (shared GatherBlockQuantized table for the tied embedding, pruned
    /// LM head read back through its full-logits variant, block 64), alone and together, keeps int4 perplexity within
    /// 0.5 % of the previous defaults
    /// (int4 block 32 symmetric, float embedding, every position's logits), measured the way evaluation measures it
    /// (<see cref="Metrics.Perplexity(LanguageModel, IReadOnlyList{int}, int, int)"/>). The option variants the lead may
    /// want as defaults later (block 32 or 128, fused gate/up) are printed beside them.
    /// </summary>
    [Fact]
    public void The_speed_defaults_keep_int4_perplexity_within_half_a_percent_of_the_previous_defaults()
    {
        var text = File.ReadAllText(Path.Combine(Checkpoint, "heldout.txt"))[..HeldOutBytes];
        var ids = Tokenizer.Load(Path.Combine(Checkpoint, "tokenizer.json")).Encode(text).ToList();
        using var temp = new TempFolder();
        var previous = new ExportSettings("int4", 32, true, 4, false, false) { QuantizeGather = false };
        var baseline = EvaluatedPerplexity(temp.Sub("previous"), previous, ids);
        var defaults = ExportSettings.From(new ModelBuilderOptions());
        var variants = new (string Name, ExportSettings Settings, bool Default)[]
        {
            ("shared int4 table", previous with { QuantizeGather = true }, true),
            ("pruned head", previous with { PruneLmHead = true }, true),
            ("block 64", previous with { BlockSize = 64 }, true),
            ("all pass defaults", defaults, true),
            ("defaults with block 32", defaults with { BlockSize = 32 }, false),
            ("defaults with block 128", defaults with { BlockSize = 128 }, false),
            ("fused gate/up", defaults with { FuseGateUp = true }, false),
        };
        output.WriteLine($"previous defaults (int4 b32 sym, float embedding, full logits): {baseline:F4}");
        foreach (var (name, settings, isDefault) in variants)
        {
            var ppl = EvaluatedPerplexity(temp.Sub(name.Replace(' ', '-').Replace('/', '-')), settings, ids);
            output.WriteLine($"{name}: {ppl:F4} ({(ppl / baseline) - 1:+0.00%;-0.00%} vs previous defaults){(isDefault ? string.Empty : " (not a default)")}");
            if (isDefault)
            {
                Assert.True(Math.Abs((ppl / baseline) - 1) <= 0.005, $"{name}: perplexity {ppl:F4} is more than 0.5 % from the previous defaults' {baseline:F4}");
            }
        }
    }

    private static double EvaluatedPerplexity(string folder, ExportSettings settings, List<int> ids)
    {
        ModelBuilderPass.Export(Checkpoint, folder, settings, TextWriter.Null, default);
        var graph = OliveNet.Engine.Evaluation.FullLogitsGraph.Of(folder);
        Assert.Equal(settings.PruneLmHead, graph is not null);
        using var model = graph is null ? LanguageModel.Load(folder) : LanguageModel.Load(folder, 0, graph);
        return Metrics.Perplexity(model, ids, Window, Window).Perplexity;
    }

    /// <summary>exp(mean NLL) of each token given the ones before it in its window of <see cref="Window"/> tokens.</summary>
    internal static double Perplexity(string folder, ExportSettings settings, long[] ids) => Perplexity(Checkpoint, folder, settings, ids);

    /// <summary>As above, for another checkpoint of the same model (e.g. quantized by Rtn or Gptq).</summary>
    internal static double Perplexity(string checkpoint, string folder, ExportSettings settings, long[] ids)
    {
        ModelBuilderPass.Export(checkpoint, folder, settings, TextWriter.Null, default);
        using var session = new DecoderSession(folder);
        double nll = 0;
        var count = 0;
        for (var start = 0; start + Window <= ids.Length; start += Window)
        {
            session.Reset();
            var window = ids[start..(start + Window)];
            var logits = session.Step(window);
            var vocab = logits.Length / Window;
            for (var t = 0; t + 1 < Window; t++)
            {
                var row = logits.AsSpan(t * vocab, vocab);
                var max = double.NegativeInfinity;
                foreach (var v in row)
                {
                    max = Math.Max(max, v);
                }

                double sum = 0;
                foreach (var v in row)
                {
                    sum += Math.Exp(v - max);
                }

                nll += max + Math.Log(sum) - row[(int)window[t + 1]];
                count++;
            }
        }

        return Math.Exp(nll / count);
    }
}
