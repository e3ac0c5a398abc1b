using OliveNet.Passes.Quantization.Static.Calibration;

namespace OliveNet.Passes.Tests.Quantization.Static.Calibration;

public sealed class CalibratorTests
{
    [Fact]
    public void MinMax_takes_the_extremes_over_all_batches()
    {
        var calibrator = new MinMaxCalibrator();
        calibrator.Collect([0.5f, -1f, 2f]);
        calibrator.Collect([3f, -0.25f]);
        Assert.Equal(new TensorRange(-1f, 3f), calibrator.Range());
    }

    [Fact]
    public void MinMax_moving_average_starts_at_the_first_batch_and_moves_by_c_times_the_gap()
    {
        var calibrator = new MinMaxCalibrator(movingAverage: true, averagingConstant: 0.5f);
        calibrator.Collect([-1f, 2f]);
        calibrator.Collect([-3f, 4f]);

        // min: −1 + 0.5·(−3 − (−1)) = −2; max: 2 + 0.5·(4 − 2) = 3.
        Assert.Equal(new TensorRange(-2f, 3f), calibrator.Range());
    }

    [Fact]
    public void Percentile_of_absolute_uniform_data_lands_within_one_bin_of_the_true_quantile()
    {
        // |U(−1, 1)| is U(0, 1): its 99th percentile is 0.99. The threshold is a bin edge, so it is off by at most one
        // bin width (1/2048 of the range) plus the sampling error of the empirical quantile (√(p(1−p)/n) ≈ 1e−4 here).
        var random = new Random(3);
        var calibrator = new PercentileCalibrator(bins: 2048, percentile: 99);
        for (var batch = 0; batch < 4; batch++)
        {
            calibrator.Collect(Enumerable.Range(0, 250_000).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray());
        }

        var range = calibrator.Range();
        var tolerance = (1.0 / 2048) + 5e-4;
        Assert.InRange(range.Max, 0.99 - tolerance, 0.99 + tolerance);
        Assert.Equal(-range.Max, range.Min, 6);
    }

    [Fact]
    public void Percentile_never_exceeds_the_observed_extremes()
    {
        var calibrator = new PercentileCalibrator(bins: 16, percentile: 100);
        calibrator.Collect([0f, 0.5f, 1f]);
        var range = calibrator.Range();
        Assert.Equal(0f, range.Min);
        Assert.True(range.Max <= 1f);
    }

    [Fact]
    public void Entropy_on_a_Gaussian_with_outliers_cuts_well_below_the_largest_magnitude()
    {
        // N(0, 1) plus a few ±50 outliers: MinMax would spend the int8 range on ±50. The KL-optimal window keeps the bulk
        // (a few σ) and folds the outliers into its edge bins, so the threshold must be far below 50 but still above
        // 2σ, where clipping would cost more than rounding.
        var random = new Random(5);
        var calibrator = new EntropyCalibrator(bins: 2048, quantizedBins: 128);
        var values = new float[200_000];
        for (var i = 0; i < values.Length; i++)
        {
            var u1 = 1 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        for (var i = 0; i < 20; i++)
        {
            values[i * 997] = i % 2 == 0 ? 50f : -50f;
        }

        calibrator.Collect(values);
        var range = calibrator.Range();
        Assert.InRange(range.Max, 2f, 25f);
        Assert.InRange(range.Min, -25f, -2f);
    }

    [Fact]
    public void Entropy_with_as_many_bins_as_quantized_bins_reduces_to_min_max()
    {
        var calibrator = new EntropyCalibrator(bins: 128, quantizedBins: 128);
        calibrator.Collect([-1f, 0.25f, 0.5f]);
        var range = calibrator.Range();
        Assert.Equal(-1f, range.Min);
        Assert.Equal(0.5f, range.Max);
    }

    [Fact]
    public void A_later_batch_with_a_wider_range_grows_the_histogram_instead_of_clipping()
    {
        var calibrator = new PercentileCalibrator(bins: 100, percentile: 100);
        calibrator.Collect(Enumerable.Range(0, 100).Select(i => i / 100f).ToArray());
        calibrator.Collect([10f]);

        // 100th percentile = the last bin: its lower edge is within one bin width (0.01) of 10.
        Assert.InRange(calibrator.Range().Max, 10f - 0.011f, 10f);
    }
}
