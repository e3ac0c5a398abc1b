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

    public static TheoryData<string> Architectures => new() { "llama", "qwen2", "qwen3", "mistral", "phi3", "gemma3", "smollm3", "olmo3", "hunyuan", "qwen3_vl", "qwen2_5_vl", "gemma3_vl", "mistral3" };

    /// <summary>The vision-language wrapper fixtures (ModelBuilder exports their text decoder; GGUF export refuses them).</summary>
    public static readonly string[] VisionLanguage = ["qwen3_vl", "qwen2_5_vl", "gemma3_vl", "mistral3"];

    /// <summary>The fixtures of plain decoder checkpoints (Architectures without VisionLanguage).</summary>
    public static TheoryData<string> TextDecoders => new(new[] { "llama", "qwen2", "qwen3", "mistral", "phi3", "gemma3", "smollm3", "olmo3", "hunyuan" });

    /// <summary>Every fixture ModelBuilder exports: the attention decoders above (which GGUF and the layer calibrator also
    /// take) and Qwen3.5's hybrid (Gated DeltaNet layers with recurrent and conv states beside a KV cache) in its
    /// conditional-generation and causal-LM layouts.</summary>
    public static TheoryData<string> Exported
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in Architectures)
            {
                data.Add(name);
            }

            data.Add("qwen3_5");
            data.Add("qwen3_5_wide");
            data.Add("qwen3_g128");
            data.Add("qwen2_g128");
            data.Add("mistral_g128");
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Exported))]
    public void Fp32_export_matches_the_reference_forward_over_the_whole_sequence(string name)
    {
        var (ids, expected, _) = HfFixtures.Reference(name);
        AssertClose(name, "whole sequence", expected, session => session.Step(ids));
    }

    [Theory]
    [MemberData(nameof(Exported))]
    public void Prefill_then_eight_decode_steps_with_the_kv_cache_equal_the_full_sequence(string name)
    {
        var (ids, expected, _) = HfFixtures.Reference(name);
        AssertClose(name, $"prefill {ids.Length - 8} + 8 cached steps", expected, session =>
        {
            var logits = new List<float>(session.Step(ids[..^8]));
            for (var t = ids.Length - 8; t < ids.Length; t++)
            {
                logits.AddRange(session.Step([ids[t]]));
            }

            return [.. logits];
        });
    }

    [Theory]
    [MemberData(nameof(Exported))]
    public void A_short_sequence_matches_too_which_for_phi3_takes_the_short_longrope_factors(string name)
    {
        var (ids, _, _) = HfFixtures.Reference(name);
        AssertClose(name, "first 12 tokens", HfFixtures.ShortReference(name), session => session.Step(ids[..12]));
    }

    private void AssertClose(string name, string what, float[] expected, Func<DecoderSession, float[]> run)
    {
        using var temp = new TempFolder();
        var folder = Export(name, "fp32", temp.Path);
        using var session = new DecoderSession(folder);
        var actual = run(session);
        var scale = expected.Max(Math.Abs);
        var error = ModelRunner.MaxAbsDiff(expected, actual);
        output.WriteLine($"{name} fp32 {what}: max |Δlogit| {error:G3}, logit scale {scale:G4}, relative {error / scale:G3}");
        Assert.True(error <= Fp32Tolerance * scale, $"{name} ({what}): max |Δlogit| {error:G4} exceeds {Fp32Tolerance} × logit scale {scale:G4}");
    }

    /// <summary>Exports a fixture with the pass's defaults for everything but the given settings; logits cover every position unless <paramref name="prune"/>.</summary>
    internal static string Export(string name, string precision, string output, int blockSize = 32, bool symmetric = true, bool prune = false)
    {
        ModelBuilderPass.Export(HfFixtures.Checkpoint(name), output, new ExportSettings(precision, blockSize, symmetric, 4, false, false) { PruneLmHead = prune }, TextWriter.Null, default);
        return output;
    }
}
