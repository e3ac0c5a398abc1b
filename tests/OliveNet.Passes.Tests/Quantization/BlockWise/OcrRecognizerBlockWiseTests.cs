using OliveNet.Onnx;
using OliveNet.Passes.Quantization.BlockWise;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.BlockWise;

public sealed class OcrRecognizerBlockWiseTests(ITestOutputHelper output)
{
    private static readonly long[] Shape = [1, 3, 48, 320];

    [Fact]
    public void The_PP_OCRv4_recognizer_at_4_bits_block_32_loads_in_ORT_keeps_its_softmax_and_shrinks_its_MatMul_weights_as_the_padded_layout_predicts()
    {
        using var temp = new TempFolder();
        var options = new OnnxBlockWiseRtnQuantizationOptions { Bits = 4, BlockSize = 32, IsSymmetric = false };
        var log = new StringWriter();
        var quantized = PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), TestModels.OcrRec, options, temp.Sub("out"), log);
        output.WriteLine(log.ToString());

        var source = OnnxModel.Load(TestModels.OcrRec);
        var result = OnnxModel.Load(quantized);
        // 13 MatMuls: 9 read a constant weight; 4 are attention products of two activations (Q·Kᵀ, P·V) and stay float.
        var weights = source.Weights().ToDictionary(w => w.Name, w => w.Tensor, StringComparer.Ordinal);
        var matMuls = source.MainGraph.Nodes.Where(n => n.OpType == "MatMul").ToList();
        var weighted = matMuls.Where(n => weights.ContainsKey(n.Input[1])).ToList();
        var nBits = result.MainGraph.Nodes.Where(n => n.OpType == "MatMulNBits").ToList();
        Assert.Equal((13, 9), (matMuls.Count, weighted.Count));
        Assert.Equal(weighted.Count, nBits.Count);
        Assert.Equal(matMuls.Count - weighted.Count, result.MainGraph.Nodes.Count(n => n.OpType == "MatMul"));
        output.WriteLine("weights [K, N]: " + string.Join(", ", weighted.Select(n => $"[{string.Join(", ", weights[n.Input[1]].Dims)}]")));

        // Bytes of the float weights the MatMuls read vs the packed codes, scales and zero points replacing them.
        var floatBytes = weighted.Sum(n => TensorData.ByteSize(weights[n.Input[1]]));
        var initializers = result.MainGraph.Proto.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var quantizedBytes = nBits.Sum(n => n.Input.Skip(1).Sum(i => TensorData.ByteSize(initializers[i])));
        var ratio = floatBytes / (double)quantizedBytes;

        var expected = ModelRunner.RunImage(TestModels.OcrRec, Shape).Values.Single();
        var actual = ModelRunner.RunImage(quantized, Shape).Values.Single();
        var cosine = Cosine(expected, actual);
        output.WriteLine($"MatMul weights {floatBytes:N0} → {quantizedBytes:N0} bytes ({ratio:F2}× smaller); softmax cosine vs FP32 {cosine:F5}");

        // Block 32 asymmetric: per 32 weights 16 bytes of codes + 4 of scale + ½ of zero point = 20.5 bytes vs 128 (6.24×).
        // MatMulNBits pads K to whole blocks, and 8 of the 9 weights have K = 120 (padded to 128), so the exact byte count
        // is Σ N·k_blocks·(16 + 4) + N·ceil(k_blocks/2); the ratio lands near 6.24·120/128 = 5.85×, and no power-of-two
        // block of 16..256 makes K = 120 pad-free. 6× is reached from block 64 (6.7×) or symmetric block 32 (6.0×).
        var exact = weighted.Sum(n =>
        {
            var (k, cols) = (weights[n.Input[1]].Dims[0], weights[n.Input[1]].Dims[1]);
            var kBlocks = (k + 31) / 32;
            return (cols * kBlocks * (16 + 4)) + (cols * ((kBlocks + 1) / 2));
        });
        Assert.Equal(exact, quantizedBytes);
        Assert.True(ratio >= 6.24 * 120 / 128 * 0.99, $"MatMul weights should shrink about 5.85× (got {ratio:F2}×).");

        // Floor: 4-bit asymmetric codes leave a per-weight error of at most half a step (1/30 of a block's range); through
        // the 9 quantized MatMuls the class logits move by a few percent, which keeps a softmax over 6625 classes nearly
        // parallel to FP32. 0.98 still fails when the weights are mis-laid (a wrong block or nibble order scrambles the
        // logits: cosine far below 0.5).
        Assert.True(cosine >= 0.98, $"softmax cosine vs FP32 {cosine:F4} is below 0.98.");
    }

    [Fact]
    public void The_PP_OCRv4_recognizer_with_HQQ_at_block_32_loads_in_ORT_and_keeps_its_softmax()
    {
        using var temp = new TempFolder();
        var quantized = PassRunner.Run(new OnnxHqqQuantizationPass(), TestModels.OcrRec, new OnnxHqqQuantizationOptions { BlockSize = 32 }, temp.Sub("out"));
        Assert.Equal(9, OnnxModel.Load(quantized).MainGraph.Nodes.Count(n => n.OpType == "MatMulNBits"));

        var cosine = Cosine(ModelRunner.RunImage(TestModels.OcrRec, Shape).Values.Single(), ModelRunner.RunImage(quantized, Shape).Values.Single());
        output.WriteLine($"HQQ block 32: softmax cosine vs FP32 {cosine:F5}");
        // Same floor as RTN: HQQ's per-block error is never above RTN's (see OnnxHqqQuantizationPassTests).
        Assert.True(cosine >= 0.98, $"softmax cosine vs FP32 {cosine:F4} is below 0.98.");
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
