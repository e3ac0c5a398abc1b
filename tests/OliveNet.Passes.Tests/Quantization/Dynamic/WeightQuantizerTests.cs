using OliveNet.Passes.Quantization.Common;
using OliveNet.Passes.Quantization.Dynamic;

namespace OliveNet.Passes.Tests.Quantization.Dynamic;

public sealed class WeightQuantizerTests
{
    [Fact]
    public void Per_column_int8_uses_each_columns_absmax_over_127()
    {
        // B [K=2, N=3] row-major: column 0 = {127, −63.5}, column 1 = {63.5, 31.75}, column 2 = {0, 0}. The absmax values
        // make the scales exact (127/127 = 1, 63.5/127 = 0.5), so the half-way cases are exact ties.
        float[] b = [127f, 63.5f, 0f, -63.5f, 31.75f, 0f];
        var q = WeightQuantizer.Quantize(b, [2, 3], axis: 1, QuantType.Int8, symmetric: true, reduceRange: false);

        Assert.Equal([1f, 0.5f, 1f], q.Scales);
        Assert.Equal([0, 0, 0], q.ZeroPoints);

        // −63.5/1 → −64 and 31.75/0.5 = 63.5 → 64 (half to even); an all-zero column gets scale 1 and stays 0.
        Assert.Equal(new sbyte[] { 127, 127, 0, -64, 64, 0 }, q.Values.Select(v => unchecked((sbyte)v)).ToArray());
    }

    [Fact]
    public void Per_output_channel_uint8_quantizes_each_contiguous_block_asymmetrically()
    {
        // W [M=2, 1, 1, 2]: channel 0 = {−1, 3} → scale 4/255, zp 64; channel 1 = {0, 2.55} → scale 0.01, zp 0.
        float[] w = [-1f, 3f, 0f, 2.55f];
        var q = WeightQuantizer.Quantize(w, [2, 1, 1, 2], axis: 0, QuantType.UInt8, symmetric: false, reduceRange: false);

        Assert.Equal([64, 0], q.ZeroPoints);
        Assert.Equal(4f / 255, q.Scales[0], 1e-7f);
        Assert.Equal(0.01f, q.Scales[1], 1e-7f);
        Assert.Equal(new byte[] { 0, 255, 0, 255 }, q.Values);
    }

    [Fact]
    public void Per_tensor_reduce_range_int8_spans_minus_64_to_64()
    {
        float[] w = [-3f, 1.5f, 3f];
        var q = WeightQuantizer.Quantize(w, [3], axis: -1, QuantType.Int8, symmetric: true, reduceRange: true);
        Assert.Equal([3f / 64], q.Scales);
        Assert.Equal(new sbyte[] { -64, 32, 64 }, q.Values.Select(v => unchecked((sbyte)v)).ToArray());
    }

    [Fact]
    public void A_minimum_scale_replaces_only_the_channels_whose_own_scale_is_smaller()
    {
        // W [2, 2]: channel 0 = {127, −63.5} → scale 1 (above its floor 0.5, kept); channel 1 = {2e−6, −1e−6} → scale
        // 2e−6/127, below its floor 0.01, so 0.01: 2e−6/0.01 = 0.0002 rounds to 0. Static int32 biases use this so that
        // bias / (input scale · weight scale) stays inside int32.
        float[] w = [127f, -63.5f, 2e-6f, -1e-6f];
        var q = WeightQuantizer.Quantize(w, [2, 2], axis: 0, QuantType.Int8, symmetric: true, reduceRange: false, [0.5f, 0.01f]);
        Assert.Equal([1f, 0.01f], q.Scales);
        Assert.Equal([0, 0], q.ZeroPoints);
        Assert.Equal(new sbyte[] { 127, -64, 0, 0 }, q.Values.Select(v => unchecked((sbyte)v)).ToArray());

        // Asymmetric uint8 with a floor: channel {1, 3} has range [0, 3] → scale 3/255; floor 0.1 → zp round(0 − 0/0.1) = 0,
        // values round(1/0.1) = 10 and round(3/0.1) = 30.
        var u = WeightQuantizer.Quantize([1f, 3f], [1, 2], axis: 0, QuantType.UInt8, symmetric: false, reduceRange: false, [0.1f]);
        Assert.Equal([0.1f], u.Scales);
        Assert.Equal(new byte[] { 10, 30 }, u.Values);
    }
}
