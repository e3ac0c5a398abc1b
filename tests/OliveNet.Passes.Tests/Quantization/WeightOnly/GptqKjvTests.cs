using System.Diagnostics;
using OliveNet.Passes.Export;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Export;
using OliveNet.Text.Tokenizers;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly;

/// <summary>
/// GPTQ against round-to-nearest on the KJV-trained Llama (tests/fixtures/llm/kjv-llama): calibrated on Genesis 1–4
/// (training text), scored on the held-out end of the New Testament, both exported by ModelBuilder from the quantized
/// checkpoints with fp32 activations (accuracy_level 0), so the only difference is how the weights were rounded.
/// </summary>
public sealed class GptqKjvTests(ITestOutputHelper output)
{
    private static readonly ExportSettings Fp32Activations = new("fp32", 32, true, 0, false, false);

    [Fact]
    public void Gptq_beats_round_to_nearest_on_held_out_perplexity_at_the_same_bits_and_group()
    {
        using var temp = new TempFolder();
        var ids = HeldOut();
        var fp32 = KjvPerplexityTests.Perplexity(temp.Sub("fp32"), Fp32Activations, ids);
        output.WriteLine($"| setting | RTN | GPTQ |\n|---|---|---|\n| fp32 | {fp32:F4} | |");
        foreach (var (bits, group) in new[] { (4, 32), (4, 128), (8, 32), (8, 128), (2, 32) })
        {
            var clock = Stopwatch.StartNew();
            var rtn = WeightOnlyFixtures.Rtn(KjvPerplexityTests.Checkpoint, temp.Sub($"rtn{bits}-{group}"), new RtnOptions { Bits = bits, GroupSize = group });
            var rtnSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var gptq = Gptq(temp.Sub($"gptq{bits}-{group}"), new GptqOptions { Bits = bits, GroupSize = group });
            var gptqSeconds = clock.Elapsed.TotalSeconds;
            var pRtn = KjvPerplexityTests.Perplexity(rtn, temp.Sub($"rtn{bits}-{group}-onnx"), Fp32Activations, ids);
            var pGptq = KjvPerplexityTests.Perplexity(gptq, temp.Sub($"gptq{bits}-{group}-onnx"), Fp32Activations, ids);
            output.WriteLine($"| {bits}-bit g{group} asym | {pRtn:F4} ({rtnSeconds:F1} s) | {pGptq:F4} ({gptqSeconds:F1} s) |");
            if (bits < 8)
            {
                // The point of GPTQ: error feedback through the calibration Hessian must beat rounding each weight alone.
                Assert.True(pGptq < pRtn, $"{bits}-bit g{group}: GPTQ perplexity {pGptq:F4} is not below RTN's {pRtn:F4} (fp32 {fp32:F4})");
            }
            else
            {
                // 8-bit steps are 16× finer than 4-bit ones: both stay within 1 % of fp32.
                Assert.True(pRtn < fp32 * 1.01 && pGptq < fp32 * 1.01, $"8-bit: RTN {pRtn:F4}, GPTQ {pGptq:F4} vs fp32 {fp32:F4}");
            }
        }
    }

    [Fact]
    public void Selective_mixed_precision_plans_feed_gptq()
    {
        using var temp = new TempFolder();
        var ids = HeldOut();
        foreach (var (algorithm, ratio) in new[] { ("k_quant_mixed", (double?)null), ("snr", 0.8) })
        {
            var smp = temp.Sub($"smp-{algorithm}");
            SelectiveMixedPrecisionPass.Annotate(KjvPerplexityTests.Checkpoint, smp, new SelectiveMixedPrecisionOptions { Algorithm = algorithm, Ratio = ratio }, TextWriter.Null);
            var gptq = Gptq(temp.Sub($"gptq-{algorithm}"), new GptqOptions { Bits = 4, GroupSize = 128 }, smp);
            var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(gptq, "config.json")))!["quantization_config"]!;
            var eight = config["overrides"]!.AsObject().Count(o => o.Value!["bits"]?.GetValue<int>() == 8);
            Assert.True(eight > 0, $"{algorithm}: no module got 8 bits");
            var p = KjvPerplexityTests.Perplexity(gptq, temp.Sub($"gptq-{algorithm}-onnx"), Fp32Activations, ids);
            output.WriteLine($"| SMP {algorithm}{(ratio is null ? string.Empty : $" ratio {ratio}")} → GPTQ 4/8-bit g128 ({eight} modules at 8 bits) | {p:F4} |");
        }
    }

    private static string Gptq(string output, GptqOptions options, string? source = null)
    {
        GptqPass.Quantize(source ?? KjvPerplexityTests.Checkpoint, output, options with { CalibrationText = WeightOnlyFixtures.CalibrationText, MaxSeqLen = 128 }, TextWriter.Null, default);
        return output;
    }

    private static long[] HeldOut()
    {
        var text = File.ReadAllText(Path.Combine(KjvPerplexityTests.Checkpoint, "heldout.txt"))[..KjvPerplexityTests.HeldOutBytes];
        return Tokenizer.Load(Path.Combine(KjvPerplexityTests.Checkpoint, "tokenizer.json")).Encode(text).Select(i => (long)i).ToArray();
    }
}
