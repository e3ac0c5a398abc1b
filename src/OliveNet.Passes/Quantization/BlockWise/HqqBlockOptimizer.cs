using OliveNet.Passes.Quantization.Common;

namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>
/// Half-Quadratic Quantization (Badri &amp; Shaji, 2023, "HQQ") of one block, asymmetric with a float zero point:
/// the scale stays at its min/max value and the zero point is optimized by HQQ's proximal iterations on
/// <c>min ‖W − (Q − z)·s‖_p</c>, <c>p &lt; 1</c>, split with an auxiliary error <c>W_e</c>:
/// <list type="number">
/// <item><c>Q = clamp(round(W/s + z))</c>, <c>W_r = (Q − z)·s</c>;</item>
/// <item><c>W_e = shrink_p(W − W_r, β)</c> with <c>shrink_p(x, β) = sign(x)·max(|x| − |x|^(p−1)/β, 0)</c>
/// (the generalized soft threshold: small residuals are treated as noise, large ones as outliers to fit);</item>
/// <item><c>z = mean(Q − (W − W_e)/s)</c>, the closed-form zero for the quadratic sub-problem;</item>
/// <item><c>β ← κ·β</c>.</item>
/// </list>
/// With the published defaults p = 0.7, β = 10, κ = 1.01 and 20 iterations, stopping at the first iteration that does
/// not improve. Unlike the reference (which stops on mean |error|) candidates are ranked by squared error, and ONNX
/// Runtime's asymmetric RTN parameters are candidates too, so a block is never reconstructed worse than RTN would.
/// </summary>
internal sealed class HqqBlockOptimizer : IBlockOptimizer
{
    private const float P = 0.7f;
    private const float Beta0 = 10f;
    private const float Kappa = 1.01f;
    private const int Iterations = 20;

    /// <summary>The one instance; the optimizer holds no state.</summary>
    public static HqqBlockOptimizer Instance { get; } = new();

    /// <inheritdoc/>
    public (float Scale, float ZeroPoint) Quantize(ReadOnlySpan<float> block, Span<byte> q, int bits)
    {
        var qMax = (1 << bits) - 1;

        // Candidate 0: ONNX Runtime's RTN (range widened to 0, integer zero point).
        var (bestScale, rtnZero) = BlockQuantizer.QuantizeBlock(block, q, bits, symmetric: false);
        float bestZero = rtnZero;
        var bestError = Error(block, bestScale, bestZero, qMax);

        var (min, max) = SpanStats.MinMax(block);
        var scale = (max - min) / qMax;
        if (scale > 0f && float.IsFinite(scale))
        {
            var zero = -min / scale;
            var error = Error(block, scale, zero, qMax);
            Consider(scale, zero, error, ref bestScale, ref bestZero, ref bestError);
            var beta = Beta0;
            var previous = error;
            for (var iteration = 0; iteration < Iterations; iteration++)
            {
                double sum = 0;
                for (var i = 0; i < block.Length; i++)
                {
                    var qi = Math.Clamp(MathF.Round((block[i] / scale) + zero), 0f, qMax);
                    var e = block[i] - ((qi - zero) * scale);
                    var magnitude = Math.Abs(e);
                    // |e|^(p−1) is +∞ at e = 0, which the max(·, 0) turns into a zero shrink, as intended.
                    var shrunk = MathF.Sign(e) * Math.Max(magnitude - (MathF.Pow(magnitude, P - 1f) / beta), 0f);
                    sum += qi - ((block[i] - shrunk) / scale);
                }

                zero = (float)(sum / block.Length);
                beta *= Kappa;
                error = Error(block, scale, zero, qMax);
                if (!(error < previous))
                {
                    break;
                }

                previous = error;
                Consider(scale, zero, error, ref bestScale, ref bestZero, ref bestError);
            }
        }

        if (bestScale == 0f)
        {
            q.Fill((byte)(1 << (bits - 1)));
            return (0f, 1 << (bits - 1));
        }

        BlockQuantizer.RoundClamp(block, q, bestScale, bestZero, 0, qMax, 0);
        return (bestScale, bestZero);
    }

    /// <summary>Sum of squared reconstruction errors of the block under (scale, zero), computed as MatMulNBits dequantizes.</summary>
    internal static double Error(ReadOnlySpan<float> block, float scale, float zero, int qMax)
    {
        double sum = 0;
        for (var i = 0; i < block.Length; i++)
        {
            var reconstructed = scale == 0f ? 0f : (Math.Clamp(MathF.Round((block[i] / scale) + zero), 0f, qMax) - zero) * scale;
            var e = (double)block[i] - reconstructed;
            sum += e * e;
        }

        return sum;
    }

    private static void Consider(float scale, float zero, double error, ref float bestScale, ref float bestZero, ref double bestError)
    {
        if (error < bestError)
        {
            (bestScale, bestZero, bestError) = (scale, zero, error);
        }
    }
}
