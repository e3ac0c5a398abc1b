using System.Buffers.Binary;

namespace OliveNet.Passes.Gguf;

/// <summary>
/// The K-quant super-blocks. Q4_K/Q5_K: x ≈ d·sc_j·q − dmin·m_j over 8 sub-blocks of 32, with 6-bit sc_j and m_j
/// packed into 12 bytes; Q6_K: x ≈ d·sc_j·(q − 32) over 16 sub-blocks of 16 with int8 sc_j. Each sub-block's scale
/// (and min) is fitted by weighted least squares over a small grid of candidate scales, weighting large weights more.
/// </summary>
public static partial class GgmlQuantizer
{
    private const int SuperBlock = 256;

    // Q4_K / Q5_K: d, dmin (f16), scales[12], [qh[32] for Q5_K], qs[128].
    private static void ScaleMinK(ReadOnlySpan<float> x, Span<byte> y, int bits)
    {
        var top = (1 << bits) - 1;
        Span<float> scales = stackalloc float[8];
        Span<float> mins = stackalloc float[8];
        Span<byte> levels = stackalloc byte[SuperBlock];
        Span<float> weights = stackalloc float[32];
        var sumSquares = 0f;
        foreach (var v in x)
        {
            sumSquares += v * v;
        }

        var spread = MathF.Sqrt(2 * sumSquares / SuperBlock);
        for (var j = 0; j < 8; j++)
        {
            var sub = x.Slice(32 * j, 32);
            for (var l = 0; l < 32; l++)
            {
                weights[l] = spread + Math.Abs(sub[l]);
            }

            (scales[j], mins[j]) = FitScaleMin(sub, weights, top);
        }

        var maxScale = 0f;
        var maxMin = 0f;
        for (var j = 0; j < 8; j++)
        {
            maxScale = Math.Max(maxScale, scales[j]);
            maxMin = Math.Max(maxMin, mins[j]);
        }

        var d = RoundHalf(maxScale / 63f);
        var dmin = RoundHalf(maxMin / 63f);
        WriteHalf(y, d);
        WriteHalf(y[2..], dmin);
        var packed = y.Slice(4, 12);
        packed.Clear();
        Span<byte> sc = stackalloc byte[8];
        Span<byte> mn = stackalloc byte[8];
        for (var j = 0; j < 8; j++)
        {
            sc[j] = (byte)(d > 0 ? Math.Clamp((int)MathF.Round(scales[j] / d), 0, 63) : 0);
            mn[j] = (byte)(dmin > 0 ? Math.Clamp((int)MathF.Round(mins[j] / dmin), 0, 63) : 0);
            if (j < 4)
            {
                packed[j] = sc[j];
                packed[j + 4] = mn[j];
            }
            else
            {
                packed[j + 4] = (byte)((sc[j] & 0xF) | ((mn[j] & 0xF) << 4));
                packed[j - 4] |= (byte)((sc[j] >> 4) << 6);
                packed[j] |= (byte)((mn[j] >> 4) << 6);
            }
        }

        // Re-quantize against the scales as the reader will see them.
        for (var j = 0; j < 8; j++)
        {
            var step = d * sc[j];
            var offset = dmin * mn[j];
            for (var l = 0; l < 32; l++)
            {
                levels[(32 * j) + l] = (byte)(step > 0 ? Math.Clamp((int)MathF.Round((x[(32 * j) + l] + offset) / step), 0, top) : 0);
            }
        }

        var ql = y[16..];
        if (bits == 5)
        {
            var qh = y.Slice(16, 32);
            qh.Clear();
            ql = y[48..];
            for (var n = 0; n < 4; n++)
            {
                for (var l = 0; l < 32; l++)
                {
                    qh[l] |= (byte)(((levels[(64 * n) + l] >> 4) << (2 * n)) | ((levels[(64 * n) + l + 32] >> 4) << ((2 * n) + 1)));
                }
            }
        }

        for (var n = 0; n < 4; n++)
        {
            for (var l = 0; l < 32; l++)
            {
                ql[(32 * n) + l] = (byte)((levels[(64 * n) + l] & 0xF) | ((levels[(64 * n) + l + 32] & 0xF) << 4));
            }
        }
    }

    /// <summary>Best (scale ≥ 0, min ≥ 0) with x ≈ scale·q − min, q in 0..top, by weighted least squares over candidate grids.</summary>
    private static (float Scale, float Min) FitScaleMin(ReadOnlySpan<float> x, ReadOnlySpan<float> w, int top)
    {
        var lo = Math.Min(0f, Min(x));
        var hi = Max(x);
        if (hi <= lo)
        {
            return (0f, -lo);
        }

        var bestScale = (hi - lo) / top;
        var bestMin = lo;
        var bestError = Error(x, w, bestScale, bestMin, top);
        for (var step = -10; step <= 10; step++)
        {
            var inverse = (top + (0.1f * step)) / (hi - lo);
            // Fix the levels for this grid point, then solve scale and min in closed form (2×2 normal equations).
            double sw = 0, sl = 0, sll = 0, sx = 0, slx = 0;
            for (var i = 0; i < x.Length; i++)
            {
                var l = Math.Clamp((int)MathF.Round((x[i] - lo) * inverse), 0, top);
                sw += w[i];
                sl += w[i] * l;
                sll += w[i] * l * l;
                sx += w[i] * x[i];
                slx += w[i] * l * x[i];
            }

            var det = (sw * sll) - (sl * sl);
            if (det <= 0)
            {
                continue;
            }

            var scale = (float)(((sw * slx) - (sl * sx)) / det);
            var min = (float)(((sll * sx) - (sl * slx)) / det);
            if (min > 0)
            {
                min = 0;
                scale = sll > 0 ? (float)(slx / sll) : 0;
            }

            if (scale <= 0)
            {
                continue;
            }

            var error = Error(x, w, scale, min, top);
            if (error < bestError)
            {
                (bestError, bestScale, bestMin) = (error, scale, min);
            }
        }

        return (bestScale, -bestMin);
    }

    private static double Error(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float scale, float min, int top)
    {
        double error = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var l = Math.Clamp((int)MathF.Round((x[i] - min) / scale), 0, top);
            var diff = (scale * l) + min - x[i];
            error += w[i] * diff * diff;
        }

        return error;
    }

    // Q6_K: ql[128], qh[64], scales[16] (int8), d (f16).
    private static void Q6_K(ReadOnlySpan<float> x, Span<byte> y)
    {
        Span<float> scales = stackalloc float[16];
        var maxScale = 0f;
        for (var j = 0; j < 16; j++)
        {
            scales[j] = FitSymmetric(x.Slice(16 * j, 16), 32);
            if (Math.Abs(scales[j]) > Math.Abs(maxScale))
            {
                maxScale = scales[j];
            }
        }

        y.Clear();
        if (maxScale == 0)
        {
            return;
        }

        var d = RoundHalf(maxScale / -128f);
        WriteHalf(y[208..], d);
        Span<byte> levels = stackalloc byte[SuperBlock];
        for (var j = 0; j < 16; j++)
        {
            var sc = d != 0 ? Math.Clamp((int)MathF.Round(scales[j] / d), -128, 127) : 0;
            y[192 + j] = (byte)(sbyte)sc;
            var step = d * sc;
            for (var l = 0; l < 16; l++)
            {
                var q = step != 0 ? Math.Clamp((int)MathF.Round(x[(16 * j) + l] / step), -32, 31) : 0;
                levels[(16 * j) + l] = (byte)(q + 32);
            }
        }

        var ql = y[..128];
        var qh = y.Slice(128, 64);
        for (var half = 0; half < 2; half++)
        {
            var L = levels.Slice(128 * half, 128);
            for (var l = 0; l < 32; l++)
            {
                ql[(64 * half) + l] = (byte)((L[l] & 0xF) | ((L[l + 64] & 0xF) << 4));
                ql[(64 * half) + l + 32] = (byte)((L[l + 32] & 0xF) | ((L[l + 96] & 0xF) << 4));
                qh[(32 * half) + l] = (byte)((L[l] >> 4) | ((L[l + 32] >> 4) << 2) | ((L[l + 64] >> 4) << 4) | ((L[l + 96] >> 4) << 6));
            }
        }
    }

    /// <summary>The scale s minimizing Σ x²·(x − s·q)² with q = round(x/s) in [−n, n−1], searched around the absmax mapping to −n.</summary>
    private static float FitSymmetric(ReadOnlySpan<float> x, int n)
    {
        var (amax, max) = (0f, 0f);
        foreach (var v in x)
        {
            if (Math.Abs(v) > amax)
            {
                (amax, max) = (Math.Abs(v), v);
            }
        }

        if (amax == 0)
        {
            return 0;
        }

        var best = max / -n;
        var bestError = double.MaxValue;
        for (var step = -9; step <= 9; step++)
        {
            var inverse = -(n + (0.1f * step)) / max;
            double slx = 0, sll = 0;
            for (var i = 0; i < x.Length; i++)
            {
                var q = Math.Clamp((int)MathF.Round(x[i] * inverse), -n, n - 1);
                var w = x[i] * x[i];
                slx += w * q * x[i];
                sll += w * q * q;
            }

            if (sll <= 0)
            {
                continue;
            }

            var scale = (float)(slx / sll);
            double error = 0;
            for (var i = 0; i < x.Length; i++)
            {
                var q = Math.Clamp((int)MathF.Round(x[i] / scale), -n, n - 1);
                var diff = (scale * q) - x[i];
                error += x[i] * x[i] * diff * diff;
            }

            if (error < bestError)
            {
                (bestError, best) = (error, scale);
            }
        }

        return best;
    }

    private static void DequantizeK(GgmlType type, ReadOnlySpan<byte> x, Span<float> y)
    {
        if (type == GgmlType.Q6_K)
        {
            var d = ReadHalf(x[208..]);
            for (var half = 0; half < 2; half++)
            {
                var ql = x.Slice(64 * half, 64);
                var qh = x.Slice(128 + (32 * half), 32);
                for (var l = 0; l < 32; l++)
                {
                    var e = 128 * half;
                    y[e + l] = d * (sbyte)x[192 + ((e + l) / 16)] * (((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
                    y[e + l + 32] = d * (sbyte)x[192 + ((e + l + 32) / 16)] * (((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
                    y[e + l + 64] = d * (sbyte)x[192 + ((e + l + 64) / 16)] * (((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
                    y[e + l + 96] = d * (sbyte)x[192 + ((e + l + 96) / 16)] * (((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
                }
            }

            return;
        }

        var scale = ReadHalf(x);
        var minScale = ReadHalf(x[2..]);
        var packed = x.Slice(4, 12);
        var five = type == GgmlType.Q5_K;
        var high = five ? x.Slice(16, 32) : default;
        var qs = x[(five ? 48 : 16)..];
        for (var j = 0; j < 8; j++)
        {
            int sc, m;
            if (j < 4)
            {
                (sc, m) = (packed[j] & 63, packed[j + 4] & 63);
            }
            else
            {
                sc = (packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4);
                m = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
            }

            var chunk = j / 2;
            var upper = j % 2 == 1;
            for (var l = 0; l < 32; l++)
            {
                var q = upper ? qs[(32 * chunk) + l] >> 4 : qs[(32 * chunk) + l] & 0xF;
                if (five)
                {
                    q |= ((high[l] >> j) & 1) << 4;
                }

                y[(32 * j) + l] = (scale * sc * q) - (minScale * m);
            }
        }
    }

    private static float Min(ReadOnlySpan<float> x)
    {
        var m = float.MaxValue;
        foreach (var v in x)
        {
            m = Math.Min(m, v);
        }

        return m;
    }

    private static float Max(ReadOnlySpan<float> x)
    {
        var m = float.MinValue;
        foreach (var v in x)
        {
            m = Math.Max(m, v);
        }

        return m;
    }
}
