using OliveNet.Engine.Benchmarking;

namespace OliveNet.Engine.Tests.Benchmarking;

public sealed class LatencyStatisticsTests
{
    [Fact]
    public void Percentiles_interpolate_between_order_statistics_like_numpy()
    {
        // Samples 1..10 sorted: rank = p/100·(n−1). p50 → rank 4.5 → 5.5; p90 → rank 8.1 → 9.1; p99 → rank 8.91 → 9.91.
        var stats = LatencyStatistics.From([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);

        Assert.Equal(5.5, stats.P50, 12);
        Assert.Equal(9.1, stats.P90, 12);
        Assert.Equal(9.91, stats.P99, 12);
        Assert.Equal(5.5, stats.Mean, 12);
        Assert.Equal(1, stats.Min);
        Assert.Equal(10, stats.Max);
        // Sample standard deviation of 1..10: sqrt(82.5 / 9).
        Assert.Equal(Math.Sqrt(82.5 / 9), stats.StdDev, 12);
    }

    [Fact]
    public void A_single_sample_is_every_percentile()
    {
        var stats = LatencyStatistics.From([3.25]);

        Assert.Equal(3.25, stats.P50);
        Assert.Equal(3.25, stats.P99);
        Assert.Equal(0, stats.StdDev);
    }

    [Fact]
    public void No_samples_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => LatencyStatistics.From([]));
    }
}
