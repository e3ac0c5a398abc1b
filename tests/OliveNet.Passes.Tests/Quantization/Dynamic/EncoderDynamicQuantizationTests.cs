using OliveNet.Passes.Quantization.Dynamic;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.Dynamic;

/// <summary>The BERT-like encoder exported by <c>tests/fixtures/torch/export_encoder.py</c> (24 weight MatMuls, 8 attention MatMuls).</summary>
public sealed class EncoderDynamicQuantizationTests(ITestOutputHelper output)
{
    private const int Sequence = 32;

    /// <summary>
    /// 4 post-LayerNorm layers keep the hidden state at unit scale, so dynamic INT8 noise (a few tenths of a percent per
    /// MatMul) stays far from the 0.99 cosine floor the plan sets; a broken scale or axis drops it far below.
    /// </summary>
    [Fact]
    public void The_quantized_encoder_fuses_to_DynamicQuantizeMatMul_and_its_output_stays_close_to_FP32()
    {
        using var temp = new TempFolder();
        var log = new StringWriter();
        var encoder = TorchFixtures.Encoder;
        var quantized = PassRunner.Run(new OnnxDynamicQuantizationPass(), encoder, new OnnxDynamicQuantizationOptions(), temp.Sub("out"), log);
        output.WriteLine(log.ToString().Trim());

        var ops = OrtGraph.OptimizedOps(quantized);
        output.WriteLine(string.Join(", ", ops.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")));
        // Every weight MatMul is fused. Query, key and value read the same input, and ORT's common-subexpression pass
        // merges their three DynamicQuantizeLinear nodes into one; a shared DynamicQuantizeLinear cannot fold into
        // DynamicQuantizeMatMul, so those 12 become MatMulIntegerToFloat fed by one quantization (the cheaper form).
        Assert.Equal(12, ops.GetValueOrDefault("com.microsoft.DynamicQuantizeMatMul"));
        Assert.Equal(12, ops.GetValueOrDefault("com.microsoft.MatMulIntegerToFloat"));
        Assert.False(ops.ContainsKey("MatMulInteger"), "An unfused MatMulInteger is left.");

        var ids = new long[Sequence];
        var random = new Random(11);
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = random.Next(0, 1000);
        }

        var expected = Run(encoder, ids);
        var actual = Run(quantized, ids);
        var cosine = Similarity.Cosine(expected, actual);
        var sizeRatio = (double)new FileInfo(encoder).Length / Directory.GetFiles(Path.GetDirectoryName(quantized)!).Sum(f => new FileInfo(f).Length);
        output.WriteLine($"encoder: output cosine {cosine:F5}, size FP32/INT8 {sizeRatio:F2}x");
        Assert.True(cosine >= 0.99, $"cosine {cosine:F5} < 0.99");
    }

    private static float[] Run(string model, long[] ids)
    {
        using var value = OrtValue.CreateTensor<long>(ids.ToArray(), [1, ids.Length]);
        return ModelRunner.Run(model, ("input_ids", value))["last_hidden_state"];
    }
}
