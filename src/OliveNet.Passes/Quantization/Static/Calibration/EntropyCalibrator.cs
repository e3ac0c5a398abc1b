namespace OliveNet.Passes.Quantization.Static.Calibration;

/// <summary>
/// ONNX Runtime's Entropy calibration: a signed histogram over [−T, T] (T = max|x|, widened by whole bins as batches
/// grow); every window of 2i+1 bins around zero (i from <c>quantizedBins/2</c> to the half-width) is scored by the KL
/// divergence between the window with the outside mass folded into its edge bins (p) and that window merged into
/// <paramref name="quantizedBins"/> bins and spread back over its non-empty bins (q), both smoothed with ε = 1e−4. The
/// window with the smallest divergence gives the range, clamped to the observed minimum and maximum.
/// </summary>
/// <remarks>
/// With as many histogram bins as quantized bins there is a single window (the whole range) and the method reduces to
/// MinMax; that is why the pass defaults to 2048 histogram bins for Entropy where ONNX Runtime's default is 128.
/// </remarks>
public sealed class EntropyCalibrator(int bins = 2048, int quantizedBins = 128) : TensorCalibrator
{
    private const double Epsilon = 1e-4;
    private readonly Histogram _histogram = new(bins, absolute: false);

    /// <inheritdoc/>
    public override void Collect(ReadOnlySpan<float> values) => _histogram.Add(values);

    /// <inheritdoc/>
    public override TensorRange Range()
    {
        if (_histogram.IsEmpty)
        {
            throw new InvalidOperationException("No values were collected.");
        }

        var hist = _histogram.Counts;
        if (hist.IsEmpty)
        {
            return new TensorRange(0, 0);
        }

        var n = hist.Length;
        var zero = n / 2;
        var half = quantizedBins / 2;
        var best = double.PositiveInfinity;
        var (bestStart, bestEnd) = (0, n);
        var p = new double[n];
        var q = new double[n];
        var merged = new double[quantizedBins];
        for (var i = half; i <= zero; i++)
        {
            var start = zero - i;
            var end = Math.Min(zero + i + 1, n);
            var divergence = Divergence(hist, start, end, p, q, merged);
            if (divergence < best)
            {
                (best, bestStart, bestEnd) = (divergence, start, end);
            }
        }

        return new TensorRange(
            (float)Math.Max(_histogram.Edge(bestStart), _histogram.ObservedMin),
            (float)Math.Min(_histogram.Edge(bestEnd), _histogram.ObservedMax));
    }

    /// <summary>KL(p‖q) for the window [start, end); <paramref name="p"/>, <paramref name="q"/>, <paramref name="merged"/> are scratch.</summary>
    private double Divergence(ReadOnlySpan<long> hist, int start, int end, double[] p, double[] q, double[] merged)
    {
        var length = end - start;
        var window = hist[start..end];
        for (var k = 0; k < length; k++)
        {
            p[k] = window[k];
        }

        for (var k = 0; k < start; k++)
        {
            p[0] += hist[k];
        }

        for (var k = end; k < hist.Length; k++)
        {
            p[length - 1] += hist[k];
        }

        var perBin = length / quantizedBins;
        Array.Clear(merged);
        for (var b = 0; b < quantizedBins; b++)
        {
            for (var k = b * perBin; k < (b + 1) * perBin; k++)
            {
                merged[b] += window[k];
            }
        }

        for (var k = quantizedBins * perBin; k < length; k++)
        {
            merged[quantizedBins - 1] += window[k];
        }

        Array.Clear(q, 0, length);
        for (var b = 0; b < quantizedBins; b++)
        {
            var from = b * perBin;
            var to = from + perBin;
            var nonEmpty = 0;
            for (var k = from; k < to; k++)
            {
                nonEmpty += p[k] != 0 ? 1 : 0;
            }

            for (var k = from; k < to && nonEmpty > 0; k++)
            {
                q[k] = p[k] != 0 ? merged[b] / nonEmpty : 0;
            }
        }

        if (!Smooth(p.AsSpan(0, length)) || !Smooth(q.AsSpan(0, length)))
        {
            return double.PositiveInfinity;
        }

        return KullbackLeibler(p.AsSpan(0, length), q.AsSpan(0, length));
    }

    /// <summary>Moves ε onto every empty bin, taken evenly from the non-empty ones; false when all are empty.</summary>
    private static bool Smooth(Span<double> d)
    {
        var zeros = 0;
        foreach (var v in d)
        {
            zeros += v == 0 ? 1 : 0;
        }

        var nonZeros = d.Length - zeros;
        if (nonZeros == 0)
        {
            return false;
        }

        var take = Epsilon * zeros / nonZeros;
        for (var k = 0; k < d.Length; k++)
        {
            d[k] += d[k] == 0 ? Epsilon : -take;
        }

        return true;
    }

    /// <summary>Σ p·ln(p/q) after normalizing both to sum 1 (scipy.stats.entropy).</summary>
    private static double KullbackLeibler(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        double sp = 0, sq = 0;
        for (var k = 0; k < p.Length; k++)
        {
            sp += p[k];
            sq += q[k];
        }

        double sum = 0;
        for (var k = 0; k < p.Length; k++)
        {
            var pk = p[k] / sp;
            if (pk > 0)
            {
                sum += pk * Math.Log(pk / (q[k] / sq));
            }
        }

        return sum;
    }
}
