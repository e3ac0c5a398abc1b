using System.Runtime.Intrinsics;

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
/// score is the stored block's error (summed in float, eight lanes at a time; RTN's own candidate in double). Deterministic
/// and allocation-free; thread-safe.
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
        var (min, max) = Common.SpanStats.MinMax(x);
        var searched = false;
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

                var (error, num, den) = Evaluate(x, w, candidateScale, candidateZero, maxq);
                if (error < best)
                {
                    (best, scale, zero, searched) = (error, candidateScale, candidateZero, true);
                }

                candidateScale = den > 0 ? (float)(num / den) : 0f;
            }
        }

        if (searched)
        {
            BlockQuantizer.RoundClamp(x, q, scale, zero, 0, maxq, 0);
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

    /// <summary>
    /// For the codes qᵢ = clamp(round(xᵢ/scale + zp)) that <paramref name="scale"/> and <paramref name="zero"/> store (the
    /// rounding of <see cref="BlockQuantizer.RoundClamp"/>, eight lanes at a time): the objective, and the sums
    /// Σ w x l and Σ w l² (l = q − zp) whose ratio is the least-squares scale for those codes.
    /// </summary>
    private static (double Error, double Num, double Den) Evaluate(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float scale, int zero, int maxq)
    {
        var i = 0;
        float error = 0, num = 0, den = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(scale);
            var vz = Vector256.Create((float)zero);
            var hi = Vector256.Create((float)maxq);
            Vector256<float> e = default, nn = default, dd = default;
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var vx = Vector256.Create(x.Slice(i, Vector256<float>.Count));
                var vw = Vector256.Create(w.Slice(i, Vector256<float>.Count));
                var l = Vector256.Min(Vector256.Max(Vector256.Round((vx / vs) + vz), Vector256<float>.Zero), hi) - vz;
                var diff = (l * vs) - vx;
                e += vw * diff * diff;
                nn += vw * vx * l;
                dd += vw * l * l;
            }

            (error, num, den) = (Vector256.Sum(e), Vector256.Sum(nn), Vector256.Sum(dd));
        }

        for (; i < x.Length; i++)
        {
            var l = Math.Clamp(MathF.Round((x[i] / scale) + zero), 0, maxq) - zero;
            var diff = (l * scale) - x[i];
            error += w[i] * diff * diff;
            num += w[i] * x[i] * l;
            den += w[i] * l * l;
        }

        return (error, num, den);
    }

    /// <summary>Codes lᵢ = clamp(round(inverse·(xᵢ − min))), then the weighted least squares x ≈ scale·l + offset.</summary>
    private static bool Fit(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float inverse, float min, int maxq, out float scale, out float offset)
    {
        var i = 0;
        float sumW = 0, sumL = 0, sumL2 = 0, sumX = 0, sumXl = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vi = Vector256.Create(inverse);
            var vm = Vector256.Create(min);
            var hi = Vector256.Create((float)maxq);
            Vector256<float> a = default, b = default, c = default, d = default, e = default;
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var vx = Vector256.Create(x.Slice(i, Vector256<float>.Count));
                var vw = Vector256.Create(w.Slice(i, Vector256<float>.Count));
                var l = Vector256.Min(Vector256.Max(Vector256.Round(vi * (vx - vm)), Vector256<float>.Zero), hi);
                var wl = vw * l;
                a += vw;
                b += wl;
                c += wl * l;
                d += vw * vx;
                e += wl * vx;
            }

            (sumW, sumL, sumL2, sumX, sumXl) = (Vector256.Sum(a), Vector256.Sum(b), Vector256.Sum(c), Vector256.Sum(d), Vector256.Sum(e));
        }

        for (; i < x.Length; i++)
        {
            var l = Math.Clamp(MathF.Round(inverse * (x[i] - min)), 0, maxq);
            sumW += w[i];
            sumL += w[i] * l;
            sumL2 += w[i] * l * l;
            sumX += w[i] * x[i];
            sumXl += w[i] * l * x[i];
        }

        var det = ((double)sumW * sumL2) - ((double)sumL * sumL);
        scale = (float)((((double)sumW * sumXl) - ((double)sumX * sumL)) / det);
        offset = (float)((((double)sumL2 * sumX) - ((double)sumL * sumXl)) / det);
        return det > 0 && scale > 0 && float.IsFinite(scale) && float.IsFinite(offset);
    }
}
