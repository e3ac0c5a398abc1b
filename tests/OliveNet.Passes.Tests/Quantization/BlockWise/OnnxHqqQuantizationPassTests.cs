using OliveNet.Engine.Passes;
using OliveNet.Passes.Quantization.BlockWise;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.BlockWise;

public sealed class OnnxHqqQuantizationPassTests(ITestOutputHelper output)
{
    [Fact]
    public void HQQ_reconstructs_every_random_block_no_worse_than_RTN_and_better_on_average()
    {
        // HQQ keeps RTN's parameters as a candidate, so per block its squared error can only tie or improve; the average
        // must improve because its float zero point removes RTN's zero-point rounding on every block that straddles 0.
        const int k = 512, n = 64, blockSize = 64;
        var x = ModelRunner.SeededFloats(k * n, 3);
        var rtn = BlockQuantizer.Quantize(x, k, n, 4, blockSize, symmetric: false);
        var hqq = BlockQuantizer.Quantize(x, k, n, 4, blockSize, HqqBlockOptimizer.Instance);
        double rtnTotal = 0, hqqTotal = 0;
        var better = 0;
        for (var col = 0; col < n; col++)
        {
            for (var b = 0; b < k / blockSize; b++)
            {
                double rtnError = 0, hqqError = 0;
                for (var row = b * blockSize; row < (b + 1) * blockSize; row++)
                {
                    rtnError += Math.Pow(x[(row * n) + col] - rtn.Dequantize(row, col), 2);
                    hqqError += Math.Pow(x[(row * n) + col] - hqq.Dequantize(row, col), 2);
                }

                Assert.True(hqqError <= rtnError * (1 + 1e-6), $"block {b} of column {col}: HQQ {hqqError} > RTN {rtnError}");
                better += hqqError < rtnError ? 1 : 0;
                rtnTotal += rtnError;
                hqqTotal += hqqError;
            }
        }

        output.WriteLine($"squared error HQQ/RTN {hqqTotal / rtnTotal:F3}; HQQ better on {better} of {n * k / blockSize} blocks");
        Assert.True(hqqTotal < rtnTotal, $"HQQ total {hqqTotal} should be below RTN total {rtnTotal}.");
    }

    [Fact]
    public void The_HQQ_pass_writes_MatMulNBits_with_float_zero_points_that_ORT_runs_as_defined()
    {
        const int m = 4, k = 300, n = 64;
        using var temp = new TempFolder();
        var source = MatMulModels.Write(temp.Sub("src"), m, k, n);
        var quantized = PassRunner.Run(new OnnxHqqQuantizationPass(), source, new OnnxHqqQuantizationOptions { BlockSize = 64 }, temp.Sub("out"));

        var (node, weight) = MatMulModels.ReadNBits(quantized, "ya");
        Assert.Equal(4, node.Input.Count);
        Assert.NotNull(weight.FloatZeroPoints);
        Assert.Equal(1, OrtGraph.OptimizedOps(quantized).GetValueOrDefault("com.microsoft.MatMulNBits"));

        // ORT must compute x·Ŵ with Ŵ = (q − zp)·s from the stored tensors; only float32 summation order differs (2K·2⁻²⁴ relative).
        var (x, _) = MatMulModels.Run(source, m, k);
        var (_, actual) = MatMulModels.Run(quantized, m, k);
        var (reference, magnitude) = MatMulModels.Reference(x, m, weight);
        for (var i = 0; i < reference.Length; i++)
        {
            Assert.True(Math.Abs(actual["ya"][i] - reference[i]) <= (2.0 * k * Math.Pow(2, -24) * magnitude[i]) + 1e-6, $"element {i}");
        }
    }

    [Fact]
    public void An_axis_other_than_0_is_rejected_with_the_key()
    {
        var error = Assert.Single(new OnnxHqqQuantizationPass().Validate(new OnnxHqqQuantizationOptions { Axis = 1 }, Target.Cpu));
        Assert.StartsWith("axis:", error, StringComparison.Ordinal);
    }
}
