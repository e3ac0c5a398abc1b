using OliveNet.Runtime.Generation;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// Where export meets generation: every fixture checkpoint exported by the ModelBuilder (fp32, fp16 with float16 I/O as
/// GenAI builds it, int8, int4), loaded by ONNX Runtime GenAI from the genai_config.json the exporter wrote,
/// greedy-generated with GenAI's KV cache, and checked token by token against the argmax of full-sequence forwards
/// (empty cache, plain ORT session) of the same exported model — so a KV-cache, window or rotary-offset bug shows up as
/// a different token. fp32's first token is also checked against the independent PyTorch forward.
/// </summary>
public sealed class ExportGenerateTests(Xunit.Abstractions.ITestOutputHelper log)
{
    // Prompt lengths and new tokens. Short: 4 + 10 = 14 tokens, inside Phi-3's original context (15, short LongRoPE
    // factors) and past the 8-token windows of the Mistral and Gemma 3 fixtures. Long: 16 + 8 = 24 tokens, all of it
    // beyond Phi-3's original context (long factors) and three windows long. A sequence that crosses Phi-3's original
    // context mid-generation is left out on purpose: the cached keys keep the short-factor rotation while a fresh
    // forward re-rotates them with the long factors (Hugging Face and GenAI behave the same way).
    private static readonly (int Prompt, int New)[] Lengths = [(4, 10), (16, 8)];

    public static TheoryData<string, string> GenAICases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in ModelBuilderLogitsTests.Exported)
        {
            foreach (var precision in new[] { "fp32", "fp16", "int8", "int4" })
            {
                if (name.StartsWith("qwen3_5", StringComparison.Ordinal) && precision == "fp16")
                {
                    continue; // refused: ORT's CPU LinearAttention/CausalConvWithState are float32 only (Qwen35Tests)
                }

                data.Add(name, precision);
            }
        }

        return data;
    }

    /// <summary>
    /// On the export with the pass's defaults (LM head pruned to the last position, tied tables shared, embeddings
    /// GatherBlockQuantized in int4/int8), the full-sequence forwards run the full-logits variant perplexity uses.
    /// </summary>
    [Theory]
    [MemberData(nameof(GenAICases))]
    public void GenAI_greedy_generation_of_the_export_equals_the_argmax_of_full_sequence_forwards(string name, string precision)
    {
        using var temp = new TempFolder();
        var folder = ModelBuilderLogitsTests.Export(name, precision, temp.Path, prune: true);
        using var genai = GenAILanguageModel.Load(folder);
        var full = OliveNet.Engine.Evaluation.FullLogitsGraph.Of(folder);
        Assert.NotNull(full);
        using var model = LanguageModel.Load(folder, 0, full);
        var (ids, reference, vocab) = HfFixtures.Reference(name);
        foreach (var (promptLength, newTokens) in Lengths)
        {
            var prompt = ids[..promptLength].Select(i => (int)i).ToArray();
            var options = new GenerationOptions { MaxNewTokens = newTokens, IgnoreEndOfSequence = true, DoSample = false, RepetitionPenalty = Penalty };
            var tokens = genai.Generate(prompt, options).Tokens.ToList();
            Assert.Equal(newTokens, tokens.Count);
            CheckAgainstFullForwards(model, name, precision, prompt, tokens);
            if (precision == "fp32")
            {
                // The first token also follows from the independent float64 PyTorch forward of make_checkpoints.py.
                var row = reference.AsSpan((promptLength - 1) * vocab, vocab).ToArray();
                foreach (var id in prompt.Distinct())
                {
                    row[id] = row[id] > 0 ? row[id] / Penalty : row[id] * Penalty;
                }

                AssertArgMax(row, tokens[0], Fp32Tolerance * MaxAbs(reference), $"{name}: first token vs the PyTorch reference");
            }
        }
    }

    // fp32: cached and full forwards differ only by float32 rounding (see ModelBuilderLogitsTests: ≤ 1e-4 of the logit
    // scale), so a token may differ from the full-forward argmax only where the top two logits are that close.
    private const double Fp32Tolerance = 1e-4;

    // int4 (accuracy_level 4): activations are quantized to int8 per row and block, identically for one row of a
    // prefill and for a decode step; what differs is accumulation order of the kernels (GEMM vs GEMV), again float32
    // rounding of the same products, scaled by the int8 activation scale (~1/127 of the row's absmax): 1e-3 bounds it.
    private const double Int4Tolerance = 1e-3;

    // Random-weight fixtures fall into repeating one dominant token under plain greedy search, which would leave most
    // steps checking the same argmax. A large repetition penalty (applied below to the full-forward logits in the same
    // way: positive logits of seen ids divided, negative ones multiplied) all but forbids repeats, so every step picks
    // a token of its own and tests a different argmax.
    private const float Penalty = 1000f;

    // fp16 (float16 I/O and KV cache, as GenAI's builder makes it): cached and full forwards round differently in
    // float16 (2^-11 relative per op, ModelBuilderFloat16Tests), so near-ties within 1e-2 of the scale may differ.
    private const double Fp16Tolerance = 1e-2;

    private void CheckAgainstFullForwards(LanguageModel model, string name, string precision, int[] prompt, List<int> generated)
    {
        var vocab = model.Config.VocabSize;
        var exact = 0;
        for (var t = 0; t < generated.Count; t++)
        {
            var sequence = prompt.Concat(generated.Take(t)).ToArray();
            var logits = model.ForwardAll(sequence);
            var last = logits.AsSpan((sequence.Length - 1) * vocab, vocab);
            foreach (var id in sequence.Distinct())
            {
                last[id] = last[id] > 0 ? last[id] / Penalty : last[id] * Penalty;
            }

            var tolerance = precision switch { "fp32" => Fp32Tolerance, "fp16" => Fp16Tolerance, _ => Int4Tolerance } * MaxAbs(logits);
            AssertArgMax(last, generated[t], tolerance, $"{name} {precision} prompt {prompt.Length}, step {t}");
            exact += ArgMax(last) == generated[t] ? 1 : 0;
        }

        log.WriteLine($"{name} {precision} prompt {prompt.Length}: {exact}/{generated.Count} tokens are the exact full-forward argmax; tokens {string.Join(' ', generated)}");
        // Near-ties are rare on these random weights; most steps must be exact or the check would prove little.
        Assert.True(exact >= generated.Count - 1, $"{name} {precision}: only {exact}/{generated.Count} cached tokens are the full-forward argmax");
    }

    private static void AssertArgMax(ReadOnlySpan<float> logits, int chosen, double tolerance, string what)
    {
        var best = ArgMax(logits);
        Assert.True(best == chosen || logits[best] - logits[chosen] <= tolerance,
            $"{what}: generated token {chosen} (logit {logits[chosen]:G6}) but the full forward's argmax is {best} (logit {logits[best]:G6}); gap exceeds {tolerance:G3}");
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
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
