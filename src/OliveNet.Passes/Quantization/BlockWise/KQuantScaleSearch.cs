namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>
/// The scale (and zero point) search of the k-quant recipes, for the blocks MatMulNBits stores: an unsigned code
/// <c>q</c> per value, a float scale and an integer zero point per block, dequantized as <c>scale · (q − zp)</c>. It
/// minimises the importance-weighted squared error <c>Σ wᵢ (scale·(qᵢ − zp) − xᵢ)²</c> with <c>wᵢ = rms(x) + |xᵢ|</c>
/// (llama.cpp's <c>make_qkx</c> weighting, which ONNX Runtime's k-quant recipe also uses). Candidates:
/// <list type="bullet">
/// <item>round to nearest (<see cref="BlockQuantizer.QuantizeBlock"/>), so the result is never worse than RTN;</item>
/// <item>asymmetric: 20 inverse scales <c>(2^bits − 2 + 0.1·s) / (max − min)</c> over the block's range; for each, codes
/// by rounding, then the weighted least-squares scale and offset for those codes, the offset rounded to an integer zero
/// point;</item>
/// <item>symmetric (zero point fixed at 2^(bits−1)): 20 scales <c>absmax / −(2^(bits−1) + 0.1·s)</c>, s = −9..10, around
/// RTN's <c>absmax / −2^(bits−1)</c>;</item>
/// <item>after each, the least-squares scale for the codes it gave with its zero point (one refit).</item>
/// </list>
/// Every candidate is scored on the codes it actually stores (<c>clamp(round(x/scale + zp))</c>, RTN's rounding), so the
/// score is the stored block's error. Deterministic and allocation-free; thread-safe.
/// </summary>
internal static class KQuantScaleSearch
{
    private const int Steps = 20;
    private const float StepSize = 0.1f;

    /// <summary>Quantizes <paramref name="x"/> into unsigned codes <paramref name="q"/>; returns the scale and stored zero point.</summary>
    public static (float Scale, int ZeroPoint) Block(ReadOnlySpan<float> x, Span<byte> q, int bits, bool symmetric)
    {
        var (scale, zero) = BlockQuantizer.QuantizeBlock(x, q, bits, symmetric);
        Span<float> w = stackalloc float[x.Length];
        Importance(x, w);
        var best = Error(x, w, q, scale, zero);
        if (best == 0 || x.Length == 0)
        {
            return (scale, zero);
        }

        var maxq = (1 << bits) - 1;
        var mid = 1 << (bits - 1);
        Span<byte> trial = stackalloc byte[x.Length];
        var (min, max) = Common.SpanStats.MinMax(x);
        for (var s = 0; s < Steps; s++)
        {
            float candidateScale;
            int candidateZero;
            if (symmetric)
            {
                var absMax = Math.Abs(max) >= Math.Abs(min) ? max : min;
                candidateScale = absMax / -(mid + (StepSize * (s - 9)));
                candidateZero = mid;
            }
            else
            {
                if (max == min)
                {
                    break;
                }

                var inverse = (maxq - 1 + (StepSize * s)) / (max - min);
                if (!Fit(x, w, inverse, min, maxq, out candidateScale, out var offset))
                {
                    continue;
                }

                candidateZero = (int)Math.Clamp(MathF.Round(-offset / candidateScale), 0, maxq);
            }

            for (var refit = 0; refit < 2; refit++)
            {
                if (!(candidateScale != 0 && float.IsFinite(candidateScale)))
                {
                    break;
                }

                BlockQuantizer.RoundClamp(x, trial, candidateScale, candidateZero, 0, maxq, 0);
                var error = Error(x, w, trial, candidateScale, candidateZero);
                if (error < best)
                {
                    (best, scale, zero) = (error, candidateScale, candidateZero);
                    trial.CopyTo(q);
                }

                candidateScale = Refit(x, w, trial, candidateZero);
            }
        }

        return (scale, zero);
    }

    /// <summary>The search's objective for stored codes: Σ wᵢ (scale·(qᵢ − zp) − xᵢ)², as MatMulNBits dequantizes (in float).</summary>
    public static double Error(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<byte> q, float scale, int zero)
    {
        double sum = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var diff = (double)((q[i] - zero) * scale) - x[i];
            sum += w[i] * diff * diff;
        }

        return sum;
    }

    /// <summary>wᵢ = rms(x) + |xᵢ|.</summary>
    public static void Importance(ReadOnlySpan<float> x, Span<float> w)
    {
        double sumX2 = 0;
        foreach (var v in x)
        {
            sumX2 += (double)v * v;
        }

        var rms = (float)Math.Sqrt(sumX2 / Math.Max(1, x.Length));
        for (var i = 0; i < x.Length; i++)
        {
            w[i] = rms + Math.Abs(x[i]);
        }
    }

    /// <summary>Codes lᵢ = clamp(round(inverse·(xᵢ − min))), then the weighted least squares x ≈ scale·l + offset.</summary>
    private static bool Fit(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float inverse, float min, int maxq, out float scale, out float offset)
    {
        double sumW = 0, sumL = 0, sumL2 = 0, sumX = 0, sumXl = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var l = Math.Clamp(MathF.Round(inverse * (x[i] - min)), 0, maxq);
            sumW += w[i];
            sumL += w[i] * l;
            sumL2 += w[i] * l * l;
            sumX += w[i] * x[i];
            sumXl += w[i] * l * x[i];
        }

        var d = (sumW * sumL2) - (sumL * sumL);
        scale = (float)(((sumW * sumXl) - (sumX * sumL)) / d);
        offset = (float)(((sumL2 * sumX) - (sumL * sumXl)) / d);
        return d > 0 && scale > 0 && float.IsFinite(scale) && float.IsFinite(offset);
    }

    /// <summary>The weighted least-squares scale for fixed codes and zero point: Σ w x (q − zp) / Σ w (q − zp)².</summary>
    private static float Refit(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<byte> q, int zero)
    {
        double num = 0, den = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var l = q[i] - zero;
            num += w[i] * x[i] * l;
            den += w[i] * l * l;
        }

        return den > 0 ? (float)(num / den) : 0f;
    }
}
