using OliveNet.Passes.Export;
using OliveNet.Passes.Gguf;
using OliveNet.Passes.Tests.Export;

namespace OliveNet.Passes.Tests.Gguf;

/// <summary>
/// Every fixture architecture exported to GGUF in every format and run by llama.cpp (LLamaSharp, CPU): the file loads
/// with tensor validation, and its logits match the independent float64 PyTorch forward of make_checkpoints.py.
/// </summary>
public sealed class GgufExportLogitsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // F32: llama.cpp computes in float32 (F32 KV cache, no flash attention here), so the error is float32 rounding over a
    // few narrow layers, ~1e-6 of the logit scale; 1e-4 leaves margin while a wrong rope layout, norm offset, bias or
    // scale moves logits by O(0.1–1) of the scale. Gemma's GELU goes through ggml's float16 lookup table on CPU: its
    // input and output are rounded to 11 significant bits (≤ 2^-11 relative each) in every layer, so 4·2^-11 ≈ 2e-3.
    private const double F32Tolerance = 1e-4;
    private const double GeluTableTolerance = 4.0 / 2048;

    // The fixtures whose architectures GgufExport writes (the others are refused: GgufRefusalTests).
    public static TheoryData<string> Architectures => new() { "llama", "qwen2", "qwen3", "mistral", "phi3", "gemma3", "smollm3", "hunyuan" };

    // Cosine bounds per format. Rounding to a grid of step Δ leaves an error of RMS Δ/√12 per weight. Over a block of 32
    // Gaussian-like weights absmax ≈ 2.1σ: Q8_0 Δ = 2.1σ/127 (0.5 % noise), Q5_0 2.1σ/16 (3.8 %), Q5_1 4.2σ/31 (3.9 %),
    // Q4_0 2.1σ/8 (7.6 %), Q4_1 4.2σ/15 (8.1 %); llama.cpp also quantizes activations to 8 bits for the dot products
    // (~0.5 %). Independent noise over ≤ 7 projections per layer and ≤ 6 layers keeps the logit error ε to a few tens
    // of percent for 4 bits, cosine = 1 − ε²/2: ≥ 0.9 for 4-bit, ≥ 0.98 for 5-bit, ≥ 0.995 for 8-bit. The fixtures'
    // rows (64–192) are shorter than a K-quant super-block, so their K formats fall back as llama.cpp does (Q4_K→Q5_0,
    // Q5_K→Q5_1, Q6_K→Q8_0) and take those bounds; the K layouts themselves are checked on the KJV model (256-wide).
    // F16/BF16 keep 11/8 significant bits (2^-11, 2^-8 relative per weight and per rounded activation).
    public static TheoryData<string, string, double> Formats()
    {
        var data = new TheoryData<string, string, double>();
        foreach (var name in Architectures)
        {
            foreach (var (format, bound) in new[]
            {
                ("F16", 0.9999), ("BF16", 0.999), ("Q8_0", 0.995), ("Q6_K", 0.995), ("Q5_1", 0.98), ("Q5_0", 0.98), ("Q5_K", 0.98), ("Q5_K_M", 0.98),
                ("Q4_1", 0.9), ("Q4_0", 0.9), ("Q4_K", 0.9), ("Q4_K_M", 0.9),
            })
            {
                data.Add((string)name, format, bound);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void F32_logits_equal_the_reference_forward(string name)
    {
        var (_, relative, _) = Compare(name, "F32");
        var tolerance = name == "gemma3" ? GeluTableTolerance : F32Tolerance;
        Assert.True(relative <= tolerance, $"{name} F32: max |Δlogit| is {relative:G3} of the logit scale (bound {tolerance:G3})");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Each_format_loads_with_tensor_validation_and_keeps_logits_close(string name, string format, double bound)
    {
        var (cosine, _, file) = Compare(name, format);
        Assert.True(cosine >= bound, $"{name} {format}: cosine {cosine:F5} < {bound}");
        Assert.Equal(GgufQuantization.FileType(format), (uint)file["general.file_type"]!);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Greedy_generation_of_F32_and_F16_files_follows_the_argmax_of_an_independent_forward(string name)
    {
        // The independent forward: our ONNX fp32 export through ONNX Runtime, whole sequence, no cache.
        using var temp = new TempFolder();
        ModelBuilderPass.Export(HfFixtures.Checkpoint(name), temp.Sub("onnx"), new ExportSettings("fp32", 32, true, 4, false, false), TextWriter.Null, default);
        using var onnx = new DecoderSession(temp.Sub("onnx"));
        var (ids, _, vocab) = HfFixtures.Reference(name);
        var total = name == "mistral" ? 8 : 16;
        var prompt = ids[..(total / 2)];
        // F32: float32 rounding (see F32Tolerance); F16: 2^-11 per rounded weight and activation, ~1e-3 of the logit
        // scale measured on these fixtures, bound 1e-2.
        foreach (var (format, tolerance) in new[] { ("F32", F32Tolerance), ("F16", 1e-2) })
        {
            var path = GgufExportPass.Export(HfFixtures.Checkpoint(name), temp.Sub(format), format, 0, TextWriter.Null, default);
            using var model = new LlamaCppModel(path);
            var generated = model.Greedy(prompt, total - prompt.Length);
            var sequence = prompt.ToList();
            foreach (var token in generated)
            {
                onnx.Reset();
                var logits = onnx.Step([.. sequence]);
                var row = logits.AsSpan(logits.Length - vocab, vocab);
                var best = LlamaCppModel.ArgMax(row);
                var scale = MaxAbs(row);

                // A different token is only acceptable where the two are tied within the format's error (for Gemma at
                // least the GELU table's).
                var bound = name == "gemma3" ? Math.Max(tolerance, GeluTableTolerance) : tolerance;
                Assert.True(
                    token == best || row[best] - row[(int)token] <= bound * scale,
                    $"{name} {format}: step {sequence.Count}: llama.cpp chose {token} ({row[(int)token]:G4}), the forward's argmax is {best} ({row[best]:G4})");
                sequence.Add(token);
            }

            output.WriteLine($"{name} {format}: greedy {string.Join(' ', generated)}");
        }
    }

    internal (double Cosine, double Relative, GgufFile File) Compare(string name, string format)
    {
        using var temp = new TempFolder();
        var path = GgufExportPass.Export(HfFixtures.Checkpoint(name), temp.Path, format, 0, TextWriter.Null, default);
        var file = GgufFile.Read(path);
        var (ids, expected, vocab) = HfFixtures.Reference(name);
        var tokens = Positions(name, ids.Length);
        using var model = new LlamaCppModel(path);
        var actual = model.Logits(ids[..tokens]);
        var columns = Math.Min(vocab, model.Vocabulary);
        double dot = 0, na = 0, nb = 0, error = 0, scale = 0;
        for (var t = 0; t < tokens; t++)
        {
            for (var v = 0; v < columns; v++)
            {
                double e = expected[(t * vocab) + v], a = actual[(t * model.Vocabulary) + v];
                (dot, na, nb) = (dot + (e * a), na + (e * e), nb + (a * a));
                error = Math.Max(error, Math.Abs(e - a));
                scale = Math.Max(scale, Math.Abs(e));
            }
        }

        var cosine = dot / Math.Sqrt(na * nb);
        var types = string.Join(", ", file.Tensors.GroupBy(t => GgmlTypes.Name(t.TypeId)).Select(g => $"{g.Count()} {g.Key}"));
        output.WriteLine($"{name} {format}: {tokens} positions, max |Δlogit| {error:G3} = {error / scale:G3} of scale {scale:G3}, cosine {cosine:F6}; {file.FileSize} bytes, {types}");
        return (cosine, error / scale, file);
    }

    // llama.cpp's llama architecture has no sliding window, so Mistral's window-8 fixture matches only while every
    // position sees all earlier ones.
    private static int Positions(string name, int length) => name == "mistral" ? 8 : length;

    private static float MaxAbs(ReadOnlySpan<float> row)
    {
        var m = 0f;
        foreach (var v in row)
        {
            m = Math.Max(m, Math.Abs(v));
        }

        return m;
    }
}
