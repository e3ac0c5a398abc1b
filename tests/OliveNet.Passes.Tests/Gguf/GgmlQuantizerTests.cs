using OliveNet.Passes.Gguf;

namespace OliveNet.Passes.Tests.Gguf;

/// <summary>Each block layout round-trips within its grid's rounding bound, and the encoding is deterministic.</summary>
public sealed class GgmlQuantizerTests
{
    // RMS error over σ-scaled Gaussian rows. Round-to-nearest on a grid of step Δ gives RMS Δ/√12: Q8_0 (Δ ≈ 2.5σ/127 for
    // the absmax of 32 draws) 0.006σ; Q5_0/Q5_1 ≈ 0.05σ; Q4_0/Q4_1 ≈ 0.1σ; K-quants fit their sub-block scales (6-bit
    // scales and mins over 32 values: Q4_K ≈ Q4_1, Q5_K ≈ Q5_1; Q6_K: int8 scales over 16 values, ≈ 0.02σ). Bounds
    // are 1.5× those; a wrong packing or nibble order gives errors of order σ.
    [Theory]
    [InlineData(GgmlType.F32, 1e-7)]
    [InlineData(GgmlType.F16, 1e-3)]
    [InlineData(GgmlType.BF16, 5e-3)]
    [InlineData(GgmlType.Q8_0, 0.009)]
    [InlineData(GgmlType.Q5_0, 0.075)]
    [InlineData(GgmlType.Q5_1, 0.075)]
    [InlineData(GgmlType.Q4_0, 0.15)]
    [InlineData(GgmlType.Q4_1, 0.15)]
    [InlineData(GgmlType.Q4_K, 0.15)]
    [InlineData(GgmlType.Q5_K, 0.075)]
    [InlineData(GgmlType.Q6_K, 0.03)]
    public void A_row_round_trips_within_the_grid_bound(GgmlType type, double bound)
    {
        var random = new Random(7);
        var row = new float[1024];
        for (var i = 0; i < row.Length; i++)
        {
            // Box-Muller, σ = 0.02 like real weights, plus an outlier per block to exercise absmax scaling.
            row[i] = (float)(0.02 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        row[5] = 0.09f;
        var bytes = new byte[type.RowBytes(row.Length)];
        GgmlQuantizer.QuantizeRow(type, row, bytes);
        var again = new byte[bytes.Length];
        GgmlQuantizer.QuantizeRow(type, row, again);
        Assert.Equal(bytes, again);

        var back = new float[row.Length];
        GgmlQuantizer.DequantizeRow(type, bytes, back);
        var rms = Math.Sqrt(row.Zip(back, (a, b) => (double)(a - b) * (a - b)).Average()) / 0.02;
        Assert.True(rms <= bound, $"{type}: RMS error {rms:G3}σ > {bound}σ");
    }

    [Fact]
    public void Block_sizes_match_ggml()
    {
        Assert.Equal(18, GgmlType.Q4_0.BlockBytes());
        Assert.Equal(144, GgmlType.Q4_K.BlockBytes());
        Assert.Equal(210, GgmlType.Q6_K.BlockBytes());
        Assert.Equal(34L * 4, GgmlType.Q8_0.RowBytes(128));
    }
}
