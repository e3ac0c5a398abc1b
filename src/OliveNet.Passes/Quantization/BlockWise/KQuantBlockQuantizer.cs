namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>
/// The k-quant block quantizer (llama.cpp's <c>make_qkx</c> search, as Olive's OnnxKQuantQuantization runs it): for each
/// block of one column, asymmetric scale and minimum minimizing Σ wᵢ(scale·qᵢ + min − xᵢ)² with importance
/// wᵢ = rms(x) + |xᵢ|, searched over 20 candidate inverse scales (levels − 1 + 0.1·s over the range) with a
/// weighted least-squares refit of scale and min for each; the zero point is round(−min / scale) and the codes are
/// round(x / scale + zero point), clamped to [0, 2^bits − 1]. K is zero-padded to whole blocks, and the padding takes
/// part in the block's statistics, as in Olive.
/// </summary>
internal static class KQuantBlockQuantizer
{
    private const int Steps = 20;
    private const double StepSize = 0.1;
    private const double FirstStep = -1;

    /// <summary>Quantizes a float32 <c>[k, n]</c> weight (raw little-endian bytes) into MatMulNBits' layout with zero points.</summary>
    public static BlockQuantizedWeight Quantize(byte[] raw, int k, int n, int bits, int blockSize)
    {
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw.AsSpan());
        var kBlocks = (k + blockSize - 1) / blockSize;
        var blob = blockSize * bits / 8;
        var packed = new byte[(long)n * kBlocks * blob];
        var scales = new float[n * kBlocks];
        var zeroRow = bits == 8 ? kBlocks : (kBlocks + 1) / 2;
        var zeroPoints = new byte[n * zeroRow];
        if (bits == 4)
        {
            Array.Fill(zeroPoints, (byte)0x88);
        }

        var block = new float[blockSize];
        var codes = new byte[blockSize];
        for (var col = 0; col < n; col++)
        {
            for (var b = 0; b < kBlocks; b++)
            {
                for (var i = 0; i < blockSize; i++)
                {
                    var row = (b * blockSize) + i;
                    block[i] = row < k ? values[(row * n) + col] : 0f;
                }

                var (scale, zero) = Block(block, codes, bits);
                scales[(col * kBlocks) + b] = scale;
                var at = ((long)col * kBlocks * blob) + ((long)b * blob);
                for (var i = 0; i < blockSize; i++)
                {
                    if (bits == 8)
                    {
                        packed[at + i] = codes[i];
                    }
                    else
                    {
                        packed[at + (i / 2)] |= (byte)(codes[i] << (4 * (i & 1)));
                    }
                }

                if (bits == 8)
                {
                    zeroPoints[(col * zeroRow) + b] = zero;
                }
                else
                {
                    var index = (col * zeroRow) + (b / 2);
                    var shift = 4 * (b & 1);
                    zeroPoints[index] = (byte)((zeroPoints[index] & ~(0xF << shift)) | (zero << shift));
                }
            }
        }

        return new BlockQuantizedWeight(k, n, bits, blockSize, packed, scales, zeroPoints, null);
    }

    /// <summary>One block: fills <paramref name="codes"/> and returns the scale and zero point.</summary>
    internal static (float Scale, byte Zero) Block(ReadOnlySpan<float> x, Span<byte> codes, int bits)
    {
        var maxq = (1 << bits) - 1;
        double sumX2 = 0;
        float rmin = float.MaxValue, rmax = float.MinValue;
        foreach (var v in x)
        {
            sumX2 += (double)v * v;
            rmin = Math.Min(rmin, v);
            rmax = Math.Max(rmax, v);
        }

        var rms = Math.Sqrt(sumX2 / x.Length);
        Span<double> w = stackalloc double[x.Length];
        double sumW = 0, sumX = 0;
        for (var i = 0; i < x.Length; i++)
        {
            w[i] = rms + Math.Abs(x[i]);
            sumW += w[i];
            sumX += w[i] * x[i];
        }

        // As in Olive, a refit that wins replaces the block's minimum, and later candidates measure from the new one.
        double min = rmin;
        var flat = min == rmax;
        var scale = flat ? 1.0 : (rmax - min) / maxq;
        var best = Error(x, w, scale, min, flat ? 1.0 : maxq / (rmax - min), min, maxq);
        for (var s = 0; s < Steps; s++)
        {
            flat = min == rmax;
            var inverse = flat ? 1.0 : (FirstStep + (StepSize * s) + maxq) / (rmax - min);
            double sumL = 0, sumL2 = 0, sumXl = 0;
            for (var i = 0; i < x.Length; i++)
            {
                var l = Math.Clamp(Math.Round(inverse * (x[i] - min)), 0, maxq);
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXl += w[i] * l * x[i];
            }

            var d = (sumW * sumL2) - (sumL * sumL);
            var thisScale = ((sumW * sumXl) - (sumX * sumL)) / d;
            var thisMin = ((sumL2 * sumX) - (sumL * sumXl)) / d;
            var error = Error(x, w, thisScale, thisMin, inverse, min, maxq);
            if (error < best)
            {
                (best, scale, min) = (error, thisScale, thisMin);
            }
        }

        var zero = (byte)Math.Clamp(Math.Round(-min / scale), 0, maxq);
        for (var i = 0; i < x.Length; i++)
        {
            codes[i] = (byte)Math.Clamp(Math.Round((x[i] / scale) + zero), 0, maxq);
        }

        return ((float)scale, zero);
    }

    /// <summary>Σ wᵢ(scale·lᵢ + min − xᵢ)² for the codes lᵢ = clamp(round(inverse·(xᵢ − origin))); NaN when the fit was singular.</summary>
    private static double Error(ReadOnlySpan<float> x, ReadOnlySpan<double> w, double scale, double min, double inverse, double origin, int maxq)
    {
        double sum = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var l = Math.Clamp(Math.Round(inverse * (x[i] - origin)), 0, maxq);
            var diff = (scale * l) + min - x[i];
            sum += w[i] * diff * diff;
        }

        return sum;
    }
}
