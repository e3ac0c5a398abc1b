using System.Buffers.Binary;

namespace OliveNet.Passes.Gguf;

/// <summary>
/// Encodes float32 rows into ggml's block layouts (ggml-common.h): plain F32/F16/BF16, the 32-element blocks Q4_0,
/// Q4_1, Q5_0, Q5_1, Q8_0 and the 256-element K-quant super-blocks Q4_K, Q5_K, Q6_K. Deterministic: the same row
/// gives the same bytes. A row's length must be a multiple of the type's block size.
/// </summary>
public static partial class GgmlQuantizer
{
    /// <summary>Encodes <paramref name="row"/> as <paramref name="type"/> into <paramref name="destination"/> (exactly <see cref="GgmlTypes.RowBytes"/> long).</summary>
    /// <exception cref="ArgumentException">The row length is not a multiple of the block size, or the destination has the wrong length.</exception>
    public static void QuantizeRow(GgmlType type, ReadOnlySpan<float> row, Span<byte> destination)
    {
        var block = type.BlockSize();
        if (row.Length % block != 0 || destination.Length != type.RowBytes(row.Length))
        {
            throw new ArgumentException($"A {type} row needs a multiple of {block} values and {type.RowBytes(row.Length)} bytes; got {row.Length} values and {destination.Length} bytes.");
        }

        var bytes = type.BlockBytes();
        for (int b = 0, n = row.Length / block; b < n; b++)
        {
            var x = row.Slice(b * block, block);
            var y = destination.Slice(b * bytes, bytes);
            switch (type)
            {
                case GgmlType.F32:
                    BinaryPrimitives.WriteSingleLittleEndian(y, x[0]);
                    break;
                case GgmlType.F16:
                    WriteHalf(y, x[0]);
                    break;
                case GgmlType.BF16:
                    BinaryPrimitives.WriteUInt16LittleEndian(y, ToBFloat16(x[0]));
                    break;
                case GgmlType.Q8_0:
                    Q8_0(x, y);
                    break;
                case GgmlType.Q4_0:
                    SymmetricNibbles(x, y, 8, 4);
                    break;
                case GgmlType.Q5_0:
                    SymmetricNibbles(x, y, 16, 5);
                    break;
                case GgmlType.Q4_1:
                    OffsetNibbles(x, y, 4);
                    break;
                case GgmlType.Q5_1:
                    OffsetNibbles(x, y, 5);
                    break;
                case GgmlType.Q4_K:
                    ScaleMinK(x, y, 4);
                    break;
                case GgmlType.Q5_K:
                    ScaleMinK(x, y, 5);
                    break;
                case GgmlType.Q6_K:
                    Q6_K(x, y);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(type), type, "not a type OliveNet writes");
            }
        }
    }

    /// <summary>Decodes one row written by <see cref="QuantizeRow"/> (used by tests and by fidelity checks).</summary>
    public static void DequantizeRow(GgmlType type, ReadOnlySpan<byte> source, Span<float> row)
    {
        var block = type.BlockSize();
        var bytes = type.BlockBytes();
        for (int b = 0, n = row.Length / block; b < n; b++)
        {
            var x = source.Slice(b * bytes, bytes);
            var y = row.Slice(b * block, block);
            switch (type)
            {
                case GgmlType.F32:
                    y[0] = BinaryPrimitives.ReadSingleLittleEndian(x);
                    break;
                case GgmlType.F16:
                    y[0] = ReadHalf(x);
                    break;
                case GgmlType.BF16:
                    y[0] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(x) << 16);
                    break;
                default:
                    DequantizeBlock(type, x, y);
                    break;
            }
        }
    }

    /// <summary>bfloat16 bits of <paramref name="value"/>, rounded to nearest even (NaN stays NaN).</summary>
    public static ushort ToBFloat16(float value)
    {
        var u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7fffffff) > 0x7f800000)
        {
            return (ushort)((u >> 16) | 64);
        }

        return (ushort)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
    }

    private static void WriteHalf(Span<byte> y, float value) => BinaryPrimitives.WriteUInt16LittleEndian(y, BitConverter.HalfToUInt16Bits((Half)value));

    private static float ReadHalf(ReadOnlySpan<byte> x) => (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(x));

    /// <summary>The value stored for a scale: what the reader will see after the f16 round trip.</summary>
    private static float RoundHalf(float value) => (float)(Half)value;

    // Q8_0: d = absmax/127, q = round(x/d).
    private static void Q8_0(ReadOnlySpan<float> x, Span<byte> y)
    {
        var amax = 0f;
        foreach (var v in x)
        {
            amax = Math.Max(amax, Math.Abs(v));
        }

        var d = amax / 127f;
        var id = d != 0 ? 1f / d : 0f;
        WriteHalf(y, d);
        for (var j = 0; j < 32; j++)
        {
            y[2 + j] = (byte)(sbyte)Math.Clamp((int)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero), -127, 127);
        }
    }

    // Q4_0/Q5_0: the signed value of largest magnitude maps to -2^(bits-1), so the full negative range is used; element j
    // and j+16 share byte j (low, high nibble); Q5_0's fifth bits go to a 32-bit mask, bit j for element j.
    private static void SymmetricNibbles(ReadOnlySpan<float> x, Span<byte> y, int offset, int bits)
    {
        var (amax, max) = (0f, 0f);
        foreach (var v in x)
        {
            if (Math.Abs(v) > amax)
            {
                (amax, max) = (Math.Abs(v), v);
            }
        }

        var d = max / -offset;
        var id = d != 0 ? 1f / d : 0f;
        WriteHalf(y, d);
        var top = (1 << bits) - 1;
        Span<int> q = stackalloc int[32];
        for (var j = 0; j < 32; j++)
        {
            q[j] = Math.Clamp((int)MathF.Floor((x[j] * id) + offset + 0.5f), 0, top);
        }

        PackNibbles(q, y[2..], bits);
    }

    // Q4_1/Q5_1: d = (max-min)/(2^bits-1), m = min, q = round((x-min)/d).
    private static void OffsetNibbles(ReadOnlySpan<float> x, Span<byte> y, int bits)
    {
        var (min, max) = (float.MaxValue, float.MinValue);
        foreach (var v in x)
        {
            (min, max) = (Math.Min(min, v), Math.Max(max, v));
        }

        var top = (1 << bits) - 1;
        var d = (max - min) / top;
        var id = d != 0 ? 1f / d : 0f;
        WriteHalf(y, d);
        WriteHalf(y[2..], min);
        Span<int> q = stackalloc int[32];
        for (var j = 0; j < 32; j++)
        {
            q[j] = Math.Clamp((int)MathF.Floor(((x[j] - min) * id) + 0.5f), 0, top);
        }

        PackNibbles(q, y[4..], bits);
    }

    private static void PackNibbles(ReadOnlySpan<int> q, Span<byte> y, int bits)
    {
        var qs = y;
        if (bits == 5)
        {
            uint high = 0;
            for (var j = 0; j < 32; j++)
            {
                high |= (uint)((q[j] >> 4) & 1) << j;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(y, high);
            qs = y[4..];
        }

        for (var j = 0; j < 16; j++)
        {
            qs[j] = (byte)((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4));
        }
    }

    private static void DequantizeBlock(GgmlType type, ReadOnlySpan<byte> x, Span<float> y)
    {
        switch (type)
        {
            case GgmlType.Q8_0:
                {
                    var d = ReadHalf(x);
                    for (var j = 0; j < 32; j++)
                    {
                        y[j] = (sbyte)x[2 + j] * d;
                    }

                    break;
                }

            case GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q4_1 or GgmlType.Q5_1:
                {
                    var d = ReadHalf(x);
                    var withMin = type is GgmlType.Q4_1 or GgmlType.Q5_1;
                    var m = withMin ? ReadHalf(x[2..]) : 0f;
                    var rest = x[(withMin ? 4 : 2)..];
                    var five = type is GgmlType.Q5_0 or GgmlType.Q5_1;
                    var high = five ? BinaryPrimitives.ReadUInt32LittleEndian(rest) : 0u;
                    var qs = five ? rest[4..] : rest;
                    var offset = withMin ? 0 : five ? 16 : 8;
                    for (var j = 0; j < 16; j++)
                    {
                        var q0 = (qs[j] & 0xF) | (int)(((high >> j) & 1) << 4);
                        var q1 = (qs[j] >> 4) | (int)(((high >> (j + 16)) & 1) << 4);
                        y[j] = ((q0 - offset) * d) + m;
                        y[j + 16] = ((q1 - offset) * d) + m;
                    }

                    break;
                }

            default:
                DequantizeK(type, x, y);
                break;
        }
    }
}
