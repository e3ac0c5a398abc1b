using System.Numerics;

namespace OliveNet.Passes.Quantization.Common;

/// <summary>Vectorized reductions shared by the quantizers (weight blocks, calibration batches).</summary>
internal static class SpanStats
{
    /// <summary>Minimum and maximum of a non-empty span.</summary>
    public static (float Min, float Max) MinMax(ReadOnlySpan<float> values)
    {
        var width = Vector<float>.Count;
        var lo = new Vector<float>(float.PositiveInfinity);
        var hi = new Vector<float>(float.NegativeInfinity);
        var i = 0;
        for (; i + width <= values.Length; i += width)
        {
            var v = new Vector<float>(values[i..]);
            lo = Vector.Min(lo, v);
            hi = Vector.Max(hi, v);
        }

        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        for (var k = 0; k < width; k++)
        {
            min = Math.Min(min, lo[k]);
            max = Math.Max(max, hi[k]);
        }

        for (; i < values.Length; i++)
        {
            min = Math.Min(min, values[i]);
            max = Math.Max(max, values[i]);
        }

        return (min, max);
    }
}
