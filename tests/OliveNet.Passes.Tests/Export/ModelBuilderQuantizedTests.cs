using OliveNet.Onnx;

namespace OliveNet.Passes.Tests.Export;

/// <summary>int4/int8 exports: MatMulNBits written from the checkpoint, logits close to the float64 reference.</summary>
public sealed class ModelBuilderQuantizedTests(Xunit.Abstractions.ITestOutputHelper log)
{
    public static TheoryData<string> Architectures => ModelBuilderLogitsTests.Exported;

    // Bounds on the cosine between quantized and reference logits. Symmetric RTN with block 32 on Gaussian-like
    // weights: step ≈ 2·absmax/15 ≈ 0.28σ (absmax of 32 draws ≈ 2.1σ), error RMS ≈ step/√12 ≈ 0.08σ, i.e. ~8 % noise
    // per projection; accuracy_level 4 adds int8 activation noise (~0.5 %). Independent noise over ≤ 7 projections per
    // layer and ≤ 6 layers keeps the logit error at a few tens of percent at worst, cosine = 1 − ε²/2 ≳ 0.9. Int8 has
    // 16× smaller weight steps but the same int8 activations: ε ≲ 10 % over 6 layers, cosine ≳ 0.995. A wrong packing,
    // scale or transposition gives cosine near 0.
    // Qwen3.5's fixture is more sensitive: its Gated DeltaNet carries each projection's error through the L2-normed,
    // decayed recurrence. The float64 reference itself, with every projection and the embedding RTN-quantized (block 32,
    // symmetric, weights only), keeps cosine 0.81 at int4 and 0.998 at int8; the bounds leave room for the int8
    // activations of accuracy_level 4, and a wrong packing still gives cosine near 0.
    [Theory]
    [MemberData(nameof(Architectures))]
    public void Int4_export_uses_matmulnbits_and_keeps_logits_close(string name) => Check(name, "int4", 4, name.StartsWith("qwen3_5", StringComparison.Ordinal) ? 0.75 : 0.9);

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Int8_export_uses_matmulnbits_and_keeps_logits_close(string name) => Check(name, "int8", 8, name.StartsWith("qwen3_5", StringComparison.Ordinal) ? 0.99 : 0.995);

    [Fact]
    public void Asymmetric_int4_writes_zero_points_and_stays_close()
    {
        using var temp = new TempFolder();
        var output = ModelBuilderLogitsTests.Export("qwen3", "int4", temp.Path, blockSize: 16, symmetric: false);
        var model = OnnxModel.Load(Path.Combine(output, "model.onnx"));
        Assert.All(model.Proto.Graph.Node.Where(n => n.OpType == "MatMulNBits"), n => Assert.Equal(4, n.Input.Count));
        Assert.True(Cosine("qwen3", output) >= 0.9);
    }

    [Fact]
    public void The_same_checkpoint_and_options_give_byte_identical_files()
    {
        using var temp = new TempFolder();
        ModelBuilderLogitsTests.Export("gemma3", "int4", temp.Sub("a"));
        ModelBuilderLogitsTests.Export("gemma3", "int4", temp.Sub("b"));
        PassRunner.AssertSameFiles(Path.Combine(temp.Path, "a"), Path.Combine(temp.Path, "b"));
    }

    private void Check(string name, string precision, int bits, double bound)
    {
        using var temp = new TempFolder();
        var output = ModelBuilderLogitsTests.Export(name, precision, temp.Path);
        var model = OnnxModel.Load(Path.Combine(output, "model.onnx"));
        var nbits = model.Proto.Graph.Node.Where(n => n.OpType == "MatMulNBits").ToList();
        Assert.DoesNotContain(model.Proto.Graph.Node, n => n.OpType == "MatMul");
        Assert.NotEmpty(nbits);
        Assert.All(nbits, n => Assert.Equal(bits, n.Attribute.Single(a => a.Name == "bits").I));
        var cosine = Cosine(name, output);
        log.WriteLine($"{name} {precision} (block 32, symmetric): cosine to the reference logits {cosine:F5}");
        Assert.True(cosine >= bound, $"{name} {precision}: cosine {cosine:F5} < {bound}");
    }

    internal static double Cosine(string name, string output)
    {
        var (ids, expected, _) = HfFixtures.Reference(name);
        using var session = new DecoderSession(output);
        var actual = session.Step(ids);
        double dot = 0, a = 0, b = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            dot += (double)expected[i] * actual[i];
            a += (double)expected[i] * expected[i];
            b += (double)actual[i] * actual[i];
        }

        return dot / Math.Sqrt(a * b);
    }
}

