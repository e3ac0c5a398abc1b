using OliveNet.Passes.Quantization.WeightOnly;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly;

/// <summary>Olive's group arithmetic: round to nearest within half a step, the range covering zero, scales in the weight's dtype.</summary>
public sealed class GroupQuantizerTests
{
    [Theory]
    [InlineData(4, 16, true)]
    [InlineData(4, 16, false)]
    [InlineData(8, 32, false)]
    [InlineData(2, -1, false)]
    public void Every_value_dequantizes_within_half_a_step_of_itself(int bits, int group, bool symmetric)
    {
        var random = new Random(7);
        const int Rows = 5, Columns = 64;
        var w = Enumerable.Range(0, Rows * Columns).Select(_ => (float)(random.NextDouble() - 0.3)).ToArray();
        var spec = new QuantSpec(bits, group, symmetric);
        var q = GroupQuantizer.Rtn(w, Rows, Columns, spec, "F32");
        var back = q.Dequantize();
        Assert.Equal(symmetric, q.Zeros is null);
        var g = spec.GroupOf(Columns);
        for (var i = 0; i < w.Length; i++)
        {
            // The range [min(w,0), max(w,0)] (±max|w| when symmetric) spans maxq steps and the zero point shifts the grid by
            // at most half a step, so the range's ends fall within half a step of the end codes and inner values round to
            // within half a step: |error| ≤ scale / 2 everywhere.
            var scale = q.Scales[((i / Columns) * spec.GroupsOf(Columns)) + ((i % Columns) / g)];
            Assert.True(Math.Abs(back[i] - w[i]) <= (scale / 2) + 1e-6, $"value {i}: {w[i]} → {back[i]} (scale {scale})");
        }
    }

    [Fact]
    public void Bf16_scales_are_stored_exactly_as_the_codes_were_computed_against()
    {
        var w = new float[] { 0.1f, -0.37f, 0.2f, 0.013f };
        var q = GroupQuantizer.Rtn(w, 1, 4, new QuantSpec(4, -1, false), "BF16");
        Assert.Equal(ScaleType.Round(q.Scales[0], "BF16"), q.Scales[0]);
        Assert.NotEqual((0.2f + 0.37f) / 15, q.Scales[0]); // the float32 scale is not a bf16 value
    }

    [Fact]
    public void An_all_zero_group_gets_the_unit_range_and_dequantizes_to_zero()
    {
        var q = GroupQuantizer.Rtn(new float[16], 1, 16, new QuantSpec(4, 16, false), "F32");
        Assert.Equal(2f / 15, q.Scales[0]);
        Assert.All(q.Dequantize(), v => Assert.Equal(0f, v, 6));
    }
}
