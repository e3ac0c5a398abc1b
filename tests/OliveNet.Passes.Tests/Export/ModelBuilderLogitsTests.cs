using OliveNet.Passes.Export;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// Exported fixtures against the independent float64 PyTorch forward of <c>make_checkpoints.py</c>, run through our
/// ONNX Runtime binding.
/// </summary>
public sealed class ModelBuilderLogitsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // fp32 export: every op runs in float32, so errors are float32 rounding accumulated over a handful of layers of
    // width ≤ 192 — a few ulp of the largest activations, ~1e-6 relative. 1e-4 of the logit scale leaves a wide margin
    // while a wrong rope frequency, norm offset, window or bias moves logits by O(0.1–1) of the scale.
    private const double Fp32Tolerance = 1e-4;

    public static TheoryData<string> Architectures => new() { "llama", "qwen2", "qwen3", "mistral", "phi3", "gemma3" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Fp32_export_matches_the_reference_forward_over_the_whole_sequence(string name)
    {
        using var temp = new TempFolder();
        var folder = Export(name, "fp32", temp.Path);
        var (ids, expected, _) = HfFixtures.Reference(name);
        using var session = new DecoderSession(folder);
        var actual = session.Step(ids);
        var scale = expected.Max(Math.Abs);
        var error = ModelRunner.MaxAbsDiff(expected, actual);
        output.WriteLine($"{name} fp32: max |Δlogit| {error:G3}, logit scale {scale:G4}, relative {error / scale:G3}");
        Assert.True(error <= Fp32Tolerance * scale, $"{name}: max |Δlogit| {error:G4} exceeds {Fp32Tolerance} × logit scale {scale:G4}");
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Prefill_then_eight_decode_steps_with_the_kv_cache_equal_the_full_sequence(string name)
    {
        using var temp = new TempFolder();
        var folder = Export(name, "fp32", temp.Path);
        var (ids, expected, vocab) = HfFixtures.Reference(name);
        using var session = new DecoderSession(folder);
        var prefill = ids.Length - 8;
        var logits = new List<float>(session.Step(ids[..prefill]));
        for (var t = prefill; t < ids.Length; t++)
        {
            logits.AddRange(session.Step([ids[t]]));
        }

        Assert.Equal(ids.Length * vocab, logits.Count);
        var scale = expected.Max(Math.Abs);
        var error = ModelRunner.MaxAbsDiff(expected, [.. logits]);
        output.WriteLine($"{name} fp32 prefill {prefill} + 8 cached steps: max |Δlogit| {error:G3} (scale {scale:G4})");
        Assert.True(error <= Fp32Tolerance * scale, $"{name}: cached decoding differs from the reference by {error:G4} (scale {scale:G4})");
    }

    internal static string Export(string name, string precision, string output, int blockSize = 32, bool symmetric = true)
    {
        ModelBuilderPass.Export(HfFixtures.Checkpoint(name), output, new ExportSettings(precision, blockSize, symmetric, 4, false, false), TextWriter.Null, default);
        return output;
    }
}
