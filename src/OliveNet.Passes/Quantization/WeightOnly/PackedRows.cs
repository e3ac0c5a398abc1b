namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>Row slices and stacks of packed weights (output rows are independent, so they cut and concatenate freely).</summary>
internal static class PackedRows
{
    /// <summary>Rows <c>[start, start + count)</c> of <paramref name="w"/>.</summary>
    public static PackedWeight Slice(PackedWeight w, int start, int count)
    {
        if (start == 0 && count == w.Rows)
        {
            return w;
        }

        var rowBytes = PackedWeight.PackedBytes(w.Columns, w.Spec.Bits);
        return new PackedWeight(
            count,
            w.Columns,
            w.Spec,
            w.Codes.AsSpan(start * rowBytes, count * rowBytes).ToArray(),
            w.Scales.AsSpan(start * w.Groups, count * w.Groups).ToArray(),
            w.Zeros?.AsSpan(start * w.ZeroRowBytes, count * w.ZeroRowBytes).ToArray(),
            w.InputOrder);
    }
}
