using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Quantization.BlockWise;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.BlockWise;

public sealed class OnnxBlockWiseRtnQuantizationPassTests(ITestOutputHelper output)
{
    private const int M = 4, K = 300, N = 64;

    [Theory]
    [InlineData(4, true)]
    [InlineData(4, false)]
    [InlineData(8, true)]
    [InlineData(8, false)]
    public void A_MatMul_with_K_300_becomes_MatMulNBits_whose_ORT_output_is_within_the_quantization_bound(int bits, bool symmetric)
    {
        using var temp = new TempFolder();
        var source = MatMulModels.Write(temp.Sub("src"), M, K, N);
        var options = new OnnxBlockWiseRtnQuantizationOptions { Bits = bits, IsSymmetric = symmetric, AccuracyLevel = 1 };
        var quantized = PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), source, options, temp.Sub("out"));

        var (node, weight) = MatMulModels.ReadNBits(quantized, "ya");
        Assert.Equal((K, N, bits, 128, 3), (weight.K, weight.N, weight.Bits, weight.BlockSize, weight.KBlocks));
        Assert.Equal(1, node.Attribute.Single(a => a.Name == "accuracy_level").I);
        Assert.Equal(symmetric ? 3 : 4, node.Input.Count);
        Assert.Equal(1, OrtGraph.OptimizedOps(quantized).GetValueOrDefault("com.microsoft.MatMulNBits"));

        var (x, expected) = MatMulModels.Run(source, M, K);
        var (_, actual) = MatMulModels.Run(quantized, M, K);
        AssertWithinBound(x, expected["ya"], actual["ya"], weight, symmetric);
    }

    [Fact]
    public void QDQ_format_writes_blocked_DequantizeLinear_that_ORT_fuses_into_MatMulNBits()
    {
        using var temp = new TempFolder();
        var source = MatMulModels.Write(temp.Sub("src"), M, K, N, opset: 21);
        var options = new OnnxBlockWiseRtnQuantizationOptions { QuantFormat = "QDQ", IsSymmetric = false, BlockSize = 32 };
        var quantized = PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), source, options, temp.Sub("out"));

        var graph = OnnxModel.Load(quantized).MainGraph;
        Assert.Equal(["DequantizeLinear", "MatMul"], graph.Nodes.Select(n => n.OpType));
        Assert.Equal((int)OnnxDataType.UInt4, graph.Proto.Initializer.Single(t => t.Name == graph.Nodes[0].Input[0]).DataType);
        var ops = OrtGraph.OptimizedOps(quantized);
        Assert.Equal(1, ops.GetValueOrDefault("com.microsoft.MatMulNBits"));
        Assert.False(ops.ContainsKey("DequantizeLinear"), "ORT should fuse the DequantizeLinear into MatMulNBits.");

        // The same weights in QOperator form define the bound (QDQ stores the same codes, only transposed).
        var reference = PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), source, options with { QuantFormat = "QOperator" }, temp.Sub("qop"));
        var (_, weight) = MatMulModels.ReadNBits(reference, "ya");
        var (x, expected) = MatMulModels.Run(source, M, K);
        var (_, actual) = MatMulModels.Run(quantized, M, K);
        AssertWithinBound(x, expected["ya"], actual["ya"], weight, symmetric: false);
    }

    [Fact]
    public void QDQ_format_on_a_model_below_opset_21_fails_with_what_to_do()
    {
        using var temp = new TempFolder();
        var source = MatMulModels.Write(temp.Sub("src"), M, K, N, opset: 17);
        var error = Assert.Throws<PassFailedException>(() =>
            PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), source, new OnnxBlockWiseRtnQuantizationOptions { QuantFormat = "QDQ" }, temp.Sub("out")));
        Assert.Contains("opset 17", error.Message, StringComparison.Ordinal);
        Assert.Contains("Use quant_format QOperator", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_excluded_node_stays_a_float_MatMul_and_keeps_its_Constant_weight()
    {
        using var temp = new TempFolder();
        var source = MatMulModels.Write(temp.Sub("src"), M, K, N, second: true);
        var options = new OnnxBlockWiseRtnQuantizationOptions { NodesToExclude = ["MatMul_b"] };
        var quantized = PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), source, options, temp.Sub("out"));

        var graph = OnnxModel.Load(quantized).MainGraph;
        Assert.Equal(["com.microsoft.MatMulNBits", "Constant", "MatMul"], graph.Nodes.Select(n => (n.Domain.Length > 0 ? n.Domain + "." : string.Empty) + n.OpType));
        Assert.DoesNotContain(graph.Proto.Initializer, t => t.Name == "wa");
        var (_, expected) = MatMulModels.Run(source, M, K);
        var (_, actual) = MatMulModels.Run(quantized, M, K);
        Assert.Equal(expected["yb"], actual["yb"]);
    }

    [Fact]
    public void Customized_weight_config_gives_the_named_node_8_bits_and_the_other_4()
    {
        using var temp = new TempFolder();
        var source = MatMulModels.Write(temp.Sub("src"), M, K, N, second: true);
        var options = new OnnxBlockWiseRtnQuantizationOptions { CustomizedWeightConfig = new() { ["MatMul_b"] = new() { ["bits"] = 8 } } };
        var quantized = PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), source, options, temp.Sub("out"));

        var (_, a) = MatMulModels.ReadNBits(quantized, "ya");
        var (nodeB, b) = MatMulModels.ReadNBits(quantized, "yb");
        Assert.Equal((4, 64), (a.Bits, a.BlobSize));
        Assert.Equal((8, 128), (b.Bits, b.BlobSize));
        Assert.Equal("MatMul_b_Q8", nodeB.Name);
        Assert.DoesNotContain(OnnxModel.Load(quantized).MainGraph.Nodes, n => n.OpType == "Constant");

        var (x, expected) = MatMulModels.Run(source, M, K);
        var (_, actual) = MatMulModels.Run(quantized, M, K);
        AssertWithinBound(x, expected["yb"], actual["yb"], b, symmetric: true);
    }

    [Fact]
    public void The_same_input_and_options_give_byte_identical_files()
    {
        using var temp = new TempFolder();
        var source = MatMulModels.Write(temp.Sub("src"), M, K, N, second: true);
        var options = new OnnxBlockWiseRtnQuantizationOptions { IsSymmetric = false, BlockSize = 32 };
        var first = PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), source, options, temp.Sub("a"));
        var second = PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), source, options, temp.Sub("b"));
        PassRunner.AssertSameFiles(Path.GetDirectoryName(first)!, Path.GetDirectoryName(second)!);
        Assert.True(File.Exists(first + ".data"), "Weights of 1 KiB or more should be in model.onnx.data.");
    }

    [Fact]
    public void Invalid_options_are_reported_with_their_keys()
    {
        var errors = new OnnxBlockWiseRtnQuantizationPass().Validate(
            new OnnxBlockWiseRtnQuantizationOptions
            {
                Bits = 3, BlockSize = 100, AccuracyLevel = 5, QuantFormat = "QDQX",
                CustomizedWeightConfig = new() { ["m"] = new() { ["bits"] = 2, ["group_size"] = 32 } },
            },
            Target.Cpu);
        Assert.Equal(
            ["bits:", "block_size:", "accuracy_level:", "quant_format:", "customized_weight_config.m.bits:", "customized_weight_config.m.group_size:"],
            errors.Select(e => e[..(e.IndexOf(':', StringComparison.Ordinal) + 1)]));
        var pass = new OnnxBlockWiseRtnQuantizationPass();
        Assert.True(pass.Metadata.TargetAgnostic);
        Assert.Equal(["int4", "int8"], pass.Metadata.Precisions);
    }

    /// <summary>
    /// Two checks per output element. (1) Against FP32: y − ŷ = Σ_k x_k (w_kn − ŵ_kn), and |w − ŵ| ≤ s/2 asymmetric
    /// or ≤ |s| symmetric (the top code clamps from 8 to 7), so |Δ| ≤ Σ_k |x_k|·e_k, plus float32 summation slack.
    /// (2) Against x·Ŵ computed in double from the stored tensors: only float32 rounding differs, bounded by
    /// 2K·2⁻²⁴·Σ_k|x_k ŵ_kn| (recursive summation of K products). (2) pins the layout: a wrong nibble or scale index breaks it.
    /// </summary>
    private void AssertWithinBound(float[] x, float[] expected, float[] actual, BlockQuantizedWeight w, bool symmetric)
    {
        var (reference, magnitude) = MatMulModels.Reference(x, M, w);
        double worst = 0, worstRatio = 0;
        for (var r = 0; r < M; r++)
        {
            for (var n = 0; n < w.N; n++)
            {
                double bound = 0;
                for (var k = 0; k < w.K; k++)
                {
                    var s = Math.Abs(w.Scales[(n * w.KBlocks) + (k / w.BlockSize)]);
                    bound += Math.Abs(x[(r * w.K) + k]) * (symmetric ? s : s / 2);
                }

                var i = (r * w.N) + n;
                var rounding = 2.0 * w.K * Math.Pow(2, -24) * magnitude[i];
                var delta = Math.Abs(expected[i] - actual[i]);
                Assert.True(delta <= bound + (2 * rounding), $"[{r},{n}] |Δ| {delta} > bound {bound}");
                Assert.True(Math.Abs(actual[i] - reference[i]) <= rounding + 1e-6, $"[{r},{n}] ORT {actual[i]} vs x·Ŵ {reference[i]}");
                worst = Math.Max(worst, delta);
                worstRatio = Math.Max(worstRatio, delta / bound);
            }
        }

        output.WriteLine($"bits {w.Bits} symmetric {symmetric}: max |Δ| {worst:G4}, max |Δ|/bound {worstRatio:F3}");
        Assert.True(worst > 0, "The output should change at all once weights are quantized.");
    }
}
