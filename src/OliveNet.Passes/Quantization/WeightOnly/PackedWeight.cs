namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// A weight <c>[Rows (out), Columns (in)]</c> quantized in Olive's checkpoint layout, which is also MatMulNBits's:
/// <see cref="Codes"/> <c>[Rows, Columns·bits/8]</c> packed along the input dimension, lowest bits first;
/// <see cref="Scales"/> <c>[Rows, groups]</c>; <see cref="Zeros"/> <c>[Rows, ⌈groups·bits/8⌉]</c> packed the same way,
/// or null when symmetric (every zero point is the midpoint). <see cref="InputOrder"/>, when set, says the stored columns
/// are the input rows in that order (stored column c is input row <c>InputOrder[c]</c>): an act-order GPTQ weight, whose
/// groups are contiguous only after that permutation; the graph gathers its activations in the same order.
/// </summary>
internal sealed record PackedWeight(int Rows, int Columns, QuantSpec Spec, byte[] Codes, float[] Scales, byte[]? Zeros, int[]? InputOrder = null)
{
    /// <summary>Groups per row.</summary>
    public int Groups => Spec.GroupsOf(Columns);

    /// <summary>Bytes per row of packed zero points.</summary>
    public int ZeroRowBytes => PackedBytes(Groups, Spec.Bits);

    /// <summary>Bytes holding <paramref name="count"/> packed values of <paramref name="bits"/>.</summary>
    public static int PackedBytes(int count, int bits) => ((count * bits) + 7) / 8;

    /// <summary>Unpacked value <paramref name="index"/> of a packed row.</summary>
    public static int Unpack(ReadOnlySpan<byte> row, int index, int bits)
    {
        var perByte = 8 / bits;
        return (row[index / perByte] >> (index % perByte * bits)) & ((1 << bits) - 1);
    }

    /// <summary>Packs <paramref name="values"/> (each below 2^bits) into <paramref name="row"/>, lowest bits first.</summary>
    public static void Pack(ReadOnlySpan<int> values, Span<byte> row, int bits)
    {
        row.Clear();
        var perByte = 8 / bits;
        for (var i = 0; i < values.Length; i++)
        {
            row[i / perByte] |= (byte)(values[i] << (i % perByte * bits));
        }
    }

    /// <summary>The zero point of group <paramref name="group"/> of row <paramref name="row"/>.</summary>
    public int Zero(int row, int group) =>
        Zeros is null ? Spec.MidQ : Unpack(Zeros.AsSpan(row * ZeroRowBytes, ZeroRowBytes), group, Spec.Bits);

    /// <summary>The dequantized weight <c>[Rows, Columns]</c> row-major in input order: (code − zero) · scale.</summary>
    public float[] Dequantize()
    {
        var result = new float[(long)Rows * Columns];
        var rowBytes = PackedBytes(Columns, Spec.Bits);
        var group = Spec.GroupOf(Columns);
        for (var r = 0; r < Rows; r++)
        {
            var codes = Codes.AsSpan(r * rowBytes, rowBytes);
            for (var c = 0; c < Columns; c++)
            {
                var g = c / group;
                result[((long)r * Columns) + (InputOrder?[c] ?? c)] = (Unpack(codes, c, Spec.Bits) - Zero(r, g)) * Scales[(r * Groups) + g];
            }
        }

        return result;
    }
}
