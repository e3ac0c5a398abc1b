using OliveNet.Onnx;
using OliveNet.Passes.Fusion;
using OliveNet.Passes.Tests.Quantization.Dynamic;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Fusion;

/// <summary>
/// OrtTransformersOptimization's own attention fusion on the BERT-style encoders of <c>tests/fixtures/torch/</c>
/// (4 layers, hidden 256, 4 heads of 64), with and without an attention mask.
/// </summary>
public sealed class AttentionFusionTests(ITestOutputHelper output)
{
    private const int Sequence = 48;

    /// <summary>
    /// Fused and unfused compute the same float32 function with sums in another order (packed QKV GEMM, ORT's attention
    /// kernel, SkipLayerNormalization, BiasGelu). A reassociated sum of K terms differs by at most K·u·Σ|terms|,
    /// u = 2⁻²⁴; with K ≤ 1024 that is 6.1e-5 of the magnitude summed. Each layer has about 6 such reductions and the
    /// post-LayerNorm activations stay below ~8 in magnitude, so 4 layers × 6 × 6.1e-5 × 8 ≈ 1.2e-2 bounds the first-order
    /// difference. A wrong packing, head split, scale or mask changes outputs by O(1).
    /// </summary>
    private const double Tolerance = 1.2e-2;

    [Fact]
    public void The_encoder_gets_one_Attention_per_layer_and_the_same_outputs()
    {
        using var temp = new TempFolder();
        var log = new StringWriter();
        var fused = PassRunner.Run(new OrtTransformersOptimizationPass(), TorchFixtures.Encoder, new OrtTransformersOptimizationOptions(), temp.Sub("out"), log);
        output.WriteLine(log.ToString().Trim());

        Assert.Equal(4, AttentionNodes(fused).Count);
        Assert.Equal(4, OrtGraph.OptimizedOps(fused).GetValueOrDefault("com.microsoft.Attention"));
        Assert.DoesNotContain(OnnxModel.Load(fused).MainGraph.Nodes, n => n.OpType == "Softmax");

        var ids = TokenIds(Sequence, seed: 3);
        var expected = Run(TorchFixtures.Encoder, ids, mask: null);
        var actual = Run(fused, ids, mask: null);
        var diff = ModelRunner.MaxAbsDiff(expected, actual);
        output.WriteLine($"max |fused − unfused| = {diff:E2}");
        Assert.True(diff <= Tolerance, $"max abs diff {diff:E2} > {Tolerance:E1}");
    }

    [Fact]
    public void The_masked_encoder_passes_its_mask_to_Attention_and_padding_is_masked_as_before()
    {
        using var temp = new TempFolder();
        var log = new StringWriter();
        var source = TorchFixtures.MaskedEncoder;
        var fused = PassRunner.Run(new OrtTransformersOptimizationPass(), source, new OrtTransformersOptimizationOptions(), temp.Sub("out"), log);
        output.WriteLine(log.ToString().Trim());

        var attention = AttentionNodes(fused);
        Assert.Equal(4, attention.Count);
        Assert.All(attention, n => Assert.Equal(4, n.Input.Count));
        Assert.Single(attention.Select(n => n.Input[3]).Distinct());
        Assert.Equal(4, OrtGraph.OptimizedOps(fused).GetValueOrDefault("com.microsoft.Attention"));

        var ids = TokenIds(Sequence, seed: 5);
        var ones = Enumerable.Repeat(1L, Sequence).ToArray();
        var padded = ones.Select((v, i) => i >= Sequence - 13 ? 0L : v).ToArray();
        var leftPadded = ones.Select((v, i) => i < 7 ? 0L : v).ToArray();
        foreach (var (name, mask) in new[] { ("all ones", ones), ("right padding", padded), ("left padding", leftPadded) })
        {
            var expected = Run(source, ids, mask);
            var actual = Run(fused, ids, mask);
            var diff = ModelRunner.MaxAbsDiff(expected, actual);
            output.WriteLine($"{name}: max |fused − unfused| = {diff:E2}");
            Assert.True(diff <= Tolerance, $"{name}: max abs diff {diff:E2} > {Tolerance:E1}");
        }

        // The mask must matter: masking 13 of 48 keys moves the outputs by far more than the tolerance.
        var effect = ModelRunner.MaxAbsDiff(Run(fused, ids, ones), Run(fused, ids, padded));
        output.WriteLine($"max |masked − unmasked| = {effect:E2}");
        Assert.True(effect > 10 * Tolerance, $"The mask barely changes the fused model's output ({effect:E2}).");
    }

    /// <summary>ONNX Runtime's own optimizer finds no attention in this export: only our fusion makes it.</summary>
    [Theory]
    [InlineData(false, false, 2)]
    [InlineData(true, true, 2)]
    [InlineData(true, false, 1)]
    public void Without_fuse_attention_only_onnxruntime_or_below_level_2_the_attention_stays_unfused(bool fuse, bool onlyOnnxruntime, int level)
    {
        using var temp = new TempFolder();
        var options = new OrtTransformersOptimizationOptions { FuseAttention = fuse, OnlyOnnxruntime = onlyOnnxruntime, OptLevel = level };
        var fused = PassRunner.Run(new OrtTransformersOptimizationPass(), TorchFixtures.Encoder, options, temp.Sub("out"));
        Assert.Empty(AttentionNodes(fused));
    }

    [Fact]
    public void A_num_heads_that_does_not_match_leaves_the_attention_alone_and_says_why()
    {
        using var temp = new TempFolder();
        var log = new StringWriter();
        var fused = PassRunner.Run(
            new OrtTransformersOptimizationPass(), TorchFixtures.Encoder, new OrtTransformersOptimizationOptions { NumHeads = 8 }, temp.Sub("out"), log);
        Assert.Empty(AttentionNodes(fused));
        Assert.Contains("4 because it has 4 heads, not num_heads 8", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Fusing_twice_gives_byte_identical_files()
    {
        using var temp = new TempFolder();
        var options = new OrtTransformersOptimizationOptions();
        var first = PassRunner.Run(new OrtTransformersOptimizationPass(), TorchFixtures.MaskedEncoder, options, temp.Sub("a"));
        var second = PassRunner.Run(new OrtTransformersOptimizationPass(), TorchFixtures.MaskedEncoder, options, temp.Sub("b"));
        PassRunner.AssertSameFiles(Path.GetDirectoryName(first)!, Path.GetDirectoryName(second)!);
    }

    private static List<Onnx.Protos.NodeProto> AttentionNodes(string model) =>
        OnnxModel.Load(model).MainGraph.Nodes.Where(n => n is { OpType: "Attention", Domain: "com.microsoft" }).ToList();

    /// <summary>Seeded token ids inside the encoder's vocabulary of 1000.</summary>
    internal static long[] TokenIds(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (long)random.Next(0, 1000)).ToArray();
    }

    internal static float[] Run(string model, long[] ids, long[]? mask)
    {
        using var idsValue = OrtValue.CreateTensor<long>(ids.ToArray(), [1, ids.Length]);
        if (mask is null)
        {
            return ModelRunner.Run(model, ("input_ids", idsValue))["last_hidden_state"];
        }

        using var maskValue = OrtValue.CreateTensor<long>(mask.ToArray(), [1, mask.Length]);
        return ModelRunner.Run(model, ("input_ids", idsValue), ("attention_mask", maskValue))["last_hidden_state"];
    }
}
