using OliveNet.Passes.Export;
using OliveNet.Passes.Gguf;
using OliveNet.Passes.Tests.Export;
using OliveNet.Text.Tokenizers;

namespace OliveNet.Passes.Tests.Gguf;

/// <summary>
/// The trained KJV byte-level Llama (hidden 256, so its projections fill whole K-quant super-blocks) exported in every
/// GGUF format and run by llama.cpp on its held-out text, in one table with our ONNX fp32 and int4 exports run by ONNX
/// Runtime.
/// </summary>
public sealed class GgufKjvPerplexityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Window = 128;

    [Fact]
    public void Every_format_keeps_the_trained_models_perplexity_and_f32_equals_onnx_fp32()
    {
        var text = File.ReadAllText(Path.Combine(KjvPerplexityTests.Checkpoint, "heldout.txt"))[..4096];
        var ids = Tokenizer.Load(Path.Combine(KjvPerplexityTests.Checkpoint, "tokenizer.json")).Encode(text).Select(i => (long)i).ToArray();
        var unigram = Math.Exp(-ids.GroupBy(i => i).Sum(g => (double)g.Count() / ids.Length * Math.Log((double)g.Count() / ids.Length)));
        using var temp = new TempFolder();
        var onnx32 = KjvPerplexityTests.Perplexity(temp.Sub("onnx-fp32"), new ExportSettings("fp32", 32, true, 4, false, false), ids);
        var onnx4 = KjvPerplexityTests.Perplexity(temp.Sub("onnx-int4"), new ExportSettings("int4", 32, true, 4, false, false), ids);
        output.WriteLine($"| model | perplexity | size (bytes) |\n|---|---|---|\n| unigram bound | {unigram:F4} | |\n| ONNX fp32 (ORT) | {onnx32:F4} | |\n| ONNX int4 RTN b32 (ORT) | {onnx4:F4} | |");

        var results = new Dictionary<string, double>();
        foreach (var format in GgufQuantization.Formats)
        {
            var path = GgufExportPass.Export(KjvPerplexityTests.Checkpoint, temp.Sub(format), format, 0, TextWriter.Null, default);
            var file = GgufFile.Read(path);
            using var model = new LlamaCppModel(path, Window);
            results[format] = Perplexity(model, ids);
            var types = string.Join(", ", file.Tensors.Where(t => t.Dimensions.Count == 2).GroupBy(t => GgmlTypes.Name(t.TypeId)).Select(g => $"{g.Count()} {g.Key}"));
            output.WriteLine($"| GGUF {format} (llama.cpp) | {results[format]:F4} | {file.FileSize} ({types}) |");
            if (format is "Q4_K" or "Q4_K_M")
            {
                Assert.Contains(file.Tensors, t => t.TypeId == (int)GgmlType.Q4_K);
            }

            if (format is "Q5_K" or "Q5_K_M")
            {
                Assert.Contains(file.Tensors, t => t.TypeId == (int)GgmlType.Q5_K);
            }

            if (format is "Q6_K" or "Q4_K_M" or "Q5_K_M")
            {
                Assert.Contains(file.Tensors, t => t.TypeId == (int)GgmlType.Q6_K);
            }
        }

        // Two float32 implementations of the same model: equal up to float32 rounding.
        Assert.True(Math.Abs(results["F32"] - onnx32) <= 1e-4 * onnx32, $"GGUF F32 {results["F32"]:F5} vs ONNX fp32 {onnx32:F5}");

        // Quantization noise raises the loss by roughly its variance: 8-bit weights (0.5 % noise) cost ~1/250 of what
        // 4-bit weights (8 %) cost, 5-bit ~1/4, 6-bit (2 %) ~1/16. The bounds are shares of training's gain over the
        // unigram model that a format may give back.
        var gain = unigram - results["F32"];
        foreach (var (format, share) in new[]
        {
            ("F16", 0.002), ("BF16", 0.01), ("Q8_0", 0.02), ("Q6_K", 0.05), ("Q5_K_M", 0.15), ("Q5_K", 0.15), ("Q5_1", 0.15), ("Q5_0", 0.15),
            ("Q4_K_M", 0.5), ("Q4_K", 0.5), ("Q4_1", 0.5), ("Q4_0", 0.5),
        })
        {
            Assert.True(results[format] - results["F32"] <= share * gain, $"{format}: perplexity {results[format]:F4} gave back more than {share:P1} of the gain of F32 {results["F32"]:F4} over unigram {unigram:F4}");
        }
    }

    [Fact]
    public void Pure_q4_0_stores_every_matrix_as_q4_0_and_keeps_most_of_the_gain()
    {
        var text = File.ReadAllText(Path.Combine(KjvPerplexityTests.Checkpoint, "heldout.txt"))[..4096];
        var ids = Tokenizer.Load(Path.Combine(KjvPerplexityTests.Checkpoint, "tokenizer.json")).Encode(text).Select(i => (long)i).ToArray();
        using var temp = new TempFolder();
        var mixed = GgufFile.Read(GgufExportPass.Export(KjvPerplexityTests.Checkpoint, temp.Sub("mixed"), "Q4_0", 0, TextWriter.Null, default));
        var path = GgufExportPass.Export(KjvPerplexityTests.Checkpoint, temp.Sub("pure"), "Q4_0", 0, TextWriter.Null, default, pure: true);
        var pure = GgufFile.Read(path);
        Assert.All(pure.Tensors.Where(t => t.Dimensions.Count == 2), t => Assert.Equal((int)GgmlType.Q4_0, t.TypeId));
        Assert.Contains(mixed.Tensors, t => t.TypeId == (int)GgmlType.Q6_K);
        Assert.True(pure.FileSize < mixed.FileSize, $"pure {pure.FileSize} bytes, llama-quantize's mix {mixed.FileSize}");

        using var model = new LlamaCppModel(path, Window);
        var perplexity = Perplexity(model, ids);
        var unigram = Math.Exp(-ids.GroupBy(i => i).Sum(g => (double)g.Count() / ids.Length * Math.Log((double)g.Count() / ids.Length)));
        output.WriteLine($"Q4_0 pure: perplexity {perplexity:F4}, {pure.FileSize} bytes (mixed {mixed.FileSize})");

        // The head in 4 bits too: a second 4-bit rounding (~8 % noise) on the most sensitive matrix; it may give back at
        // most as much of training's gain as the 4-bit bound above allows the whole file.
        Assert.True(perplexity - 3.9665 <= 0.5 * (unigram - 3.9665), $"perplexity {perplexity:F4}");
    }

    /// <summary>exp(mean NLL) over windows of <see cref="Window"/> tokens, as <see cref="KjvPerplexityTests.Perplexity"/> computes it.</summary>
    internal static double Perplexity(LlamaCppModel model, long[] ids)
    {
        double nll = 0;
        var count = 0;
        for (var start = 0; start + Window <= ids.Length; start += Window)
        {
            var window = ids[start..(start + Window)];
            var logits = model.Logits(window);
            var vocab = model.Vocabulary;
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
