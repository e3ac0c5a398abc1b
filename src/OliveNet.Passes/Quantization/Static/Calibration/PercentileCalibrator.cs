namespace OliveNet.Passes.Quantization.Static.Calibration;

/// <summary>
/// ONNX Runtime's Percentile calibration (symmetric form): a histogram of |x| over [0, max|x|] with
/// <paramref name="bins"/> bins; the threshold T is the lower edge of the first bin where the cumulative share reaches
/// <paramref name="percentile"/>/100, and the range is ±T clamped to the observed minimum and maximum.
/// </summary>
public sealed class PercentileCalibrator(int bins = 2048, double percentile = 99.999) : TensorCalibrator
{
    private readonly Histogram _histogram = new(bins, absolute: true);

    /// <inheritdoc/>
    public override void Collect(ReadOnlySpan<float> values) => _histogram.Add(values);

    /// <inheritdoc/>
    public override TensorRange Range()
    {
        if (_histogram.IsEmpty)
        {
            throw new InvalidOperationException("No values were collected.");
        }

        var counts = _histogram.Counts;
        if (counts.IsEmpty)
        {
            return new TensorRange(0, 0);
        }

        long total = 0;
        foreach (var c in counts)
        {
            total += c;
        }

        var target = percentile / 100.0;
        long running = 0;
        var index = counts.Length - 1;
        for (var i = 0; i < counts.Length; i++)
        {
            running += counts[i];
            if ((double)running / total >= target)
            {
                index = i;
                break;
            }
        }

        var threshold = (float)_histogram.Edge(index);
        return new TensorRange(Math.Max(-threshold, _histogram.ObservedMin), Math.Min(threshold, _histogram.ObservedMax));
    }
}
