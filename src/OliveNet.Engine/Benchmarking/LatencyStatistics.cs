namespace OliveNet.Engine.Benchmarking;

/// <summary>Summary statistics of latency samples in milliseconds.</summary>
public sealed record LatencyStatistics(
    int Count,
    double Mean,
    double StdDev,
    double Min,
    double Max,
    double P50,
    double P90,
    double P95,
    double P99)
{
    /// <summary>Computes the statistics. Percentiles interpolate linearly between order statistics (numpy's default).</summary>
    /// <exception cref="ArgumentException">No samples.</exception>
    public static LatencyStatistics From(IReadOnlyList<double> samples)
    {
        if (samples.Count == 0)
        {
            throw new ArgumentException("at least one sample is needed", nameof(samples));
        }

        var sorted = samples.Order().ToArray();
        var mean = sorted.Average();
        var variance = sorted.Length > 1 ? sorted.Sum(x => (x - mean) * (x - mean)) / (sorted.Length - 1) : 0;
        return new LatencyStatistics(
            sorted.Length, mean, Math.Sqrt(variance), sorted[0], sorted[^1],
            Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 95), Percentile(sorted, 99));
    }

    /// <summary>The <paramref name="percent"/>-th percentile of already sorted values, interpolated linearly.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        var rank = percent / 100.0 * (sorted.Count - 1);
        var lower = (int)Math.Floor(rank);
        var upper = Math.Min(lower + 1, sorted.Count - 1);
        return sorted[lower] + ((rank - lower) * (sorted[upper] - sorted[lower]));
    }
}
