using OliveNet.Passes.Quantization.Common;

namespace OliveNet.Passes.Quantization.Static.Calibration;

/// <summary>
/// A histogram with a fixed bin width that grows by whole bins when a later batch reaches further, as ONNX Runtime's
/// histogram collector merges batches. Signed: bins cover [−T, T] and grow on both sides; absolute: bins of |x| cover
/// [0, T] and grow to the right. The first batch with a non-zero extreme fixes the width at 2T/bins (signed) or T/bins.
/// </summary>
internal sealed class Histogram(int bins, bool absolute)
{
    private long[]? _counts;
    private double _lower;
    private double _width;
    private long _pendingZeros;

    /// <summary>Smallest value seen (signed, not absolute).</summary>
    public float ObservedMin { get; private set; } = float.PositiveInfinity;

    /// <summary>Largest value seen (signed, not absolute).</summary>
    public float ObservedMax { get; private set; } = float.NegativeInfinity;

    /// <summary>Counts per bin; empty until a non-zero value was seen.</summary>
    public ReadOnlySpan<long> Counts => _counts;

    /// <summary>Whether any value was collected.</summary>
    public bool IsEmpty => _counts is null && _pendingZeros == 0;

    /// <summary>The lower edge of bin <paramref name="index"/>; <c>Edge(Counts.Length)</c> is the upper edge of the last bin.</summary>
    public double Edge(int index) => _lower + (index * _width);

    /// <summary>Adds one batch.</summary>
    public void Add(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        var (min, max) = SpanStats.MinMax(values);
        ObservedMin = Math.Min(ObservedMin, min);
        ObservedMax = Math.Max(ObservedMax, max);
        var reach = Math.Max(Math.Abs((double)min), Math.Abs((double)max));
        if (reach == 0)
        {
            // All zeros: no width can be chosen yet; they land in the zero bin once one is.
            if (_counts is null)
            {
                _pendingZeros += values.Length;
            }
            else
            {
                _counts[BinOf(0)] += values.Length;
            }

            return;
        }

        if (_counts is null)
        {
            _counts = new long[bins];
            _lower = absolute ? 0 : -reach;
            _width = (absolute ? reach : 2 * reach) / bins;
            _counts[BinOf(0)] += _pendingZeros;
            _pendingZeros = 0;
        }
        else
        {
            Grow(reach);
        }

        var counts = _counts;
        foreach (var v in values)
        {
            counts[BinOf(absolute ? Math.Abs(v) : v)]++;
        }
    }

    private int BinOf(double value)
    {
        // numpy puts a value on the last edge into the last bin; rounding can put a value just outside, so clamp.
        var index = (int)Math.Floor((value - _lower) / _width);
        return Math.Clamp(index, 0, _counts!.Length - 1);
    }

    private void Grow(double reach)
    {
        var upper = Edge(_counts!.Length);
        if (reach <= upper)
        {
            return;
        }

        var extra = Math.Max(1, (int)Math.Ceiling((reach - upper) / _width));
        var left = absolute ? 0 : extra;
        var grown = new long[_counts.Length + left + extra];
        _counts.CopyTo(grown, left);
        _counts = grown;
        _lower -= left * _width;
    }
}
