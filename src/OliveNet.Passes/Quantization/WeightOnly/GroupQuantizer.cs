namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// Olive's weight quantizer arithmetic on one group of values. The range always includes zero; symmetric groups take
/// ±max|w| (scale = 2·max|w| / (2^bits − 1), zero point 2^(bits−1)); asymmetric ones [min, max] with zero point
/// round(−min/scale); an all-zero group gets the range [−1, 1]. Codes are round-half-to-even of w/scale + zero,
/// clamped to 0..2^bits−1, as torch.round does.
/// </summary>
internal static class GroupQuantizer
{
    /// <summary>The scale (rounded to <paramref name="scaleType"/>) and zero point of one group.</summary>
    public static (float Scale, int Zero) Params(ReadOnlySpan<float> values, QuantSpec spec, string scaleType)
    {
        float min = 0, max = 0;
        foreach (var v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        if (spec.Symmetric)
        {
            max = Math.Max(-min, max);
            if (min < 0)
            {
                min = -max;
            }
        }

        if (min == 0 && max == 0)
        {
            (min, max) = (-1, 1);
        }

        var scale = ScaleType.Round((max - min) / spec.MaxQ, scaleType);
        if (scale == 0)
        {
            // A range below the storage type's smallest normal: the group is effectively zero.
            scale = ScaleType.Round(1f / spec.MaxQ, scaleType);
        }

        var zero = spec.Symmetric ? spec.MidQ : (int)Math.Clamp(MathF.Round(-min / scale), 0, spec.MaxQ);
        return (scale, zero);
    }

    /// <summary>The code of <paramref name="value"/>.</summary>
    public static int Code(float value, float scale, int zero, int maxQ) => (int)Math.Clamp(MathF.Round((value / scale) + zero), 0, maxQ);

    /// <summary>Round to nearest: quantizes a row-major weight <c>[rows, columns]</c> group by group.</summary>
    /// <exception cref="ArgumentException">The columns are not a whole number of groups.</exception>
    public static PackedWeight Rtn(ReadOnlySpan<float> weight, int rows, int columns, QuantSpec spec, string scaleType)
    {
        var group = spec.GroupOf(columns);
        if (columns % group != 0)
        {
            throw new ArgumentException($"{columns} input values are not a whole number of groups of {group}.", nameof(columns));
        }

        var groups = columns / group;
        var rowBytes = PackedWeight.PackedBytes(columns, spec.Bits);
        var zeroBytes = PackedWeight.PackedBytes(groups, spec.Bits);
        var codes = new byte[(long)rows * rowBytes];
        var scales = new float[(long)rows * groups];
        var zeros = spec.Symmetric ? null : new byte[(long)rows * zeroBytes];
        var rowCodes = new int[columns];
        var rowZeros = new int[groups];
        for (var r = 0; r < rows; r++)
        {
            var row = weight.Slice(r * columns, columns);
            for (var g = 0; g < groups; g++)
            {
                var values = row.Slice(g * group, group);
                var (scale, zero) = Params(values, spec, scaleType);
                scales[(r * groups) + g] = scale;
                rowZeros[g] = zero;
                for (var i = 0; i < group; i++)
                {
                    rowCodes[(g * group) + i] = Code(values[i], scale, zero, spec.MaxQ);
                }
            }

            PackedWeight.Pack(rowCodes, codes.AsSpan(r * rowBytes, rowBytes), spec.Bits);
            if (zeros is not null)
            {
                PackedWeight.Pack(rowZeros, zeros.AsSpan(r * zeroBytes, zeroBytes), spec.Bits);
            }
        }

        return new PackedWeight(rows, columns, spec, codes, scales, zeros);
    }
}
