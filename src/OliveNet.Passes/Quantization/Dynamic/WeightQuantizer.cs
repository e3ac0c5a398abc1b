using System.Numerics;
using OliveNet.Passes.Quantization.Common;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>Weight quantization with <see cref="QuantMath"/>: the range of each channel, then <c>clamp(round(x/s)+zp)</c>.</summary>
internal static class WeightQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="data"/> of shape <paramref name="dims"/>. <paramref name="axis"/> is the channel axis, or −1 for
    /// one scale over the whole tensor.
    /// </summary>
    public static QuantizedWeight Quantize(ReadOnlySpan<float> data, IReadOnlyList<long> dims, int axis, QuantType type, bool symmetric, bool reduceRange) =>
        Quantize(data, dims, axis, type, symmetric, reduceRange, default);

    /// <summary>
    /// As above, with a lower bound per channel on the scale (empty: none). A channel whose range gives a smaller scale
    /// gets the bound instead (and, when asymmetric, the zero point that maps its minimum to qmin at that scale), so a
    /// static int32 bias with scale <c>input scale · weight scale</c> stays inside its range.
    /// </summary>
    public static QuantizedWeight Quantize(
        ReadOnlySpan<float> data, IReadOnlyList<long> dims, int axis, QuantType type, bool symmetric, bool reduceRange, ReadOnlySpan<float> minScales)
    {
        var channels = axis < 0 ? 1 : checked((int)dims[axis]);
        long inner = 1;
        for (var d = axis + 1; d < dims.Count && axis >= 0; d++)
        {
            inner *= dims[d];
        }

        if (axis < 0)
        {
            inner = data.Length;
        }

        var mins = new float[channels];
        var maxs = new float[channels];
        ChannelRanges(data, channels, checked((int)inner), mins, maxs);

        var (qmin, qmax) = QuantMath.Range(type, reduceRange, symmetric);
        var scales = new float[channels];
        var zeroPoints = new int[channels];
        var parameters = new QuantParams[channels];
        for (var c = 0; c < channels; c++)
        {
            parameters[c] = QuantMath.Compute(mins[c], maxs[c], qmin, qmax, symmetric);
            if (!minScales.IsEmpty && minScales[c] > parameters[c].Scale && float.IsFinite(minScales[c]))
            {
                var scale = minScales[c];
                var zeroPoint = symmetric ? parameters[c].ZeroPoint : (int)Math.Round(qmin - (Math.Min(mins[c], 0f) / (double)scale), MidpointRounding.ToEven);
                parameters[c] = new QuantParams(scale, Math.Clamp(zeroPoint, qmin, qmax));
            }

            scales[c] = parameters[c].Scale;
            zeroPoints[c] = parameters[c].ZeroPoint;
        }

        var values = new byte[data.Length];
        var block = (int)inner;
        for (var start = 0; start < data.Length; start += block)
        {
            var p = parameters[(start / block) % channels];
            var segment = data.Slice(start, block);
            var output = values.AsSpan(start, block);
            for (var i = 0; i < segment.Length; i++)
            {
                // Scalar on purpose: QuantMath.Quantize rounds half to even in double, as the reference does.
                output[i] = unchecked((byte)QuantMath.Quantize(segment[i], p, qmin, qmax));
            }
        }

        return new QuantizedWeight(values, scales, zeroPoints);
    }

    /// <summary>Min and max per channel; the layout is [outer, channels, inner] flattened.</summary>
    private static void ChannelRanges(ReadOnlySpan<float> data, int channels, int inner, Span<float> mins, Span<float> maxs)
    {
        mins.Fill(float.PositiveInfinity);
        maxs.Fill(float.NegativeInfinity);
        if (inner == 1 && channels > 1)
        {
            // Channel is the last axis (MatMul B [K,N], axis 1): fold whole rows elementwise.
            for (var row = 0; row + channels <= data.Length; row += channels)
            {
                FoldRow(data.Slice(row, channels), mins, maxs);
            }

            return;
        }

        var block = inner;
        for (var start = 0; start < data.Length; start += block)
        {
            var c = (start / block) % channels;
            var (lo, hi) = SpanStats.MinMax(data.Slice(start, block));
            mins[c] = Math.Min(mins[c], lo);
            maxs[c] = Math.Max(maxs[c], hi);
        }
    }

    private static void FoldRow(ReadOnlySpan<float> row, Span<float> mins, Span<float> maxs)
    {
        var i = 0;
        var width = Vector<float>.Count;
        for (; i + width <= row.Length; i += width)
        {
            var v = new Vector<float>(row[i..]);
            Vector.Min(new Vector<float>(mins[i..]), v).CopyTo(mins[i..]);
            Vector.Max(new Vector<float>(maxs[i..]), v).CopyTo(maxs[i..]);
        }

        for (; i < row.Length; i++)
        {
            mins[i] = Math.Min(mins[i], row[i]);
            maxs[i] = Math.Max(maxs[i], row[i]);
        }
    }
}
