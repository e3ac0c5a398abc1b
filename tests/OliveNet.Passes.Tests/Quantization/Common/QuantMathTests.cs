using OliveNet.Passes.Quantization.Common;

namespace OliveNet.Passes.Tests.Quantization.Common;

public sealed class QuantMathTests
{
    [Fact]
    public void Asymmetric_uint8_for_minus_1_to_3_has_scale_4_over_255_and_zero_point_64()
    {
        // scale = (3 − (−1)) / (255 − 0) = 4/255; zp = round(0 − (−1)/(4/255)) = round(63.75) = 64.
        var p = QuantMath.Compute(-1f, 3f, QuantType.UInt8, symmetric: false);
        Assert.Equal(4f / 255f, p.Scale, 1e-7f);
        Assert.Equal(64, p.ZeroPoint);
    }

    [Fact]
    public void Symmetric_int8_for_minus_2_to_1_5_has_scale_2_over_127_and_zero_point_0()
    {
        // absmax = 2, range ±2 over −127..127: scale = 4/254 = 2/127; zp = round((−127 + 127)/2) = 0.
        var p = QuantMath.Compute(-2f, 1.5f, QuantType.Int8, symmetric: true);
        Assert.Equal(2f / 127f, p.Scale, 1e-7f);
        Assert.Equal(0, p.ZeroPoint);
    }

    [Fact]
    public void Reduce_range_int8_uses_minus_64_to_64_so_the_scale_is_absmax_over_64()
    {
        Assert.Equal((-64, 64), QuantMath.Range(QuantType.Int8, reduceRange: true, symmetric: true));
        // ±3 over 128 steps: scale = 6/128 = 3/64.
        var p = QuantMath.Compute(-3f, 1f, QuantType.Int8, symmetric: true, reduceRange: true);
        Assert.Equal(3f / 64f, p.Scale, 1e-7f);
        Assert.Equal(0, p.ZeroPoint);
    }

    [Fact]
    public void An_all_zero_range_gives_scale_1_and_zero_point_0()
    {
        Assert.Equal(new QuantParams(1f, 0), QuantMath.Compute(0f, 0f, QuantType.UInt8, symmetric: false));
        Assert.Equal(new QuantParams(1f, 0), QuantMath.Compute(0f, 0f, QuantType.Int8, symmetric: true));
    }

    [Fact]
    public void A_positive_only_range_is_widened_to_include_zero()
    {
        // [2, 5] becomes [0, 5]: zero stays exactly representable, as DynamicQuantizeLinear requires.
        var p = QuantMath.Compute(2f, 5f, QuantType.UInt8, symmetric: false);
        Assert.Equal(5f / 255f, p.Scale, 1e-7f);
        Assert.Equal(0, p.ZeroPoint);
    }

    [Fact]
    public void The_zero_point_rounds_half_to_even()
    {
        // [−253, 257] over 0..255: scale = 510/255 = 2 exactly, zp = 253/2 = 126.5 → 126 (away from zero would give 127).
        var p = QuantMath.Compute(-253f, 257f, QuantType.UInt8, symmetric: false);
        Assert.Equal(2f, p.Scale);
        Assert.Equal(126, p.ZeroPoint);

        // [−1.25, 0.75] over 0..4: scale = 0.5, zp = 2.5 → 2.
        Assert.Equal(2, QuantMath.Compute(-1.25f, 0.75f, 0, 4, symmetric: false).ZeroPoint);
    }

    [Fact]
    public void Quantize_rounds_half_to_even_and_clamps_to_the_range()
    {
        var p = new QuantParams(0.5f, 0);
        Assert.Equal(2, QuantMath.Quantize(1.25f, p, -128, 127)); // 2.5 → 2
        Assert.Equal(4, QuantMath.Quantize(1.75f, p, -128, 127)); // 3.5 → 4
        Assert.Equal(127, QuantMath.Quantize(1000f, p, -128, 127));
        Assert.Equal(-128, QuantMath.Quantize(-1000f, p, -128, 127));
    }

    [Theory]
    [InlineData(QuantType.UInt8, false, false, 0, 255)]
    [InlineData(QuantType.UInt8, false, true, 0, 254)]
    [InlineData(QuantType.UInt8, true, false, 0, 127)]
    [InlineData(QuantType.Int8, false, false, -128, 127)]
    [InlineData(QuantType.Int8, false, true, -127, 127)]
    [InlineData(QuantType.Int8, true, false, -64, 64)]
    [InlineData(QuantType.Int8, true, true, -64, 64)]
    [InlineData(QuantType.UInt16, false, true, 0, 65534)]
    [InlineData(QuantType.Int16, true, false, -16384, 16384)]
    [InlineData(QuantType.UInt4, false, false, 0, 15)]
    [InlineData(QuantType.Int4, true, false, -4, 3)]
    public void Range_matches_the_reference_table(QuantType type, bool reduceRange, bool symmetric, int qmin, int qmax) =>
        Assert.Equal((qmin, qmax), QuantMath.Range(type, reduceRange, symmetric));
}
