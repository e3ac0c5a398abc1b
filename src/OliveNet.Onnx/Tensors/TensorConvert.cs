using System.Runtime.Intrinsics;

namespace OliveNet.Onnx;

/// <summary>Element-type conversions over spans; allocation-free and vectorized where the hardware allows.</summary>
public static class TensorConvert
{
    /// <summary>Widens float16 to float32.</summary>
    public static void ToFloat(ReadOnlySpan<Half> source, Span<float> destination)
    {
        CheckLength(source.Length, destination.Length);
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = (float)source[i];
        }
    }

    /// <summary>Narrows float32 to float16 (round-to-nearest-even).</summary>
    public static void FromFloat(ReadOnlySpan<float> source, Span<Half> destination)
    {
        CheckLength(source.Length, destination.Length);
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = (Half)source[i];
        }
    }

    /// <summary>Widens bfloat16 to float32 (exact).</summary>
    public static void ToFloat(ReadOnlySpan<BFloat16> source, Span<float> destination)
    {
        CheckLength(source.Length, destination.Length);
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<BFloat16, ushort>(source);
            var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(destination);
            for (; i + Vector256<ushort>.Count <= bits.Length; i += Vector256<ushort>.Count)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Create(bits.Slice(i, Vector256<ushort>.Count)));
                (lo << 16).CopyTo(dst.Slice(i));
                (hi << 16).CopyTo(dst.Slice(i + Vector256<uint>.Count));
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] = (float)source[i];
        }
    }

    /// <summary>Narrows float32 to bfloat16 (round-to-nearest-even, NaN preserved).</summary>
    public static void FromFloat(ReadOnlySpan<float> source, Span<BFloat16> destination)
    {
        CheckLength(source.Length, destination.Length);
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = (BFloat16)source[i];
        }
    }

    /// <summary>Packs signed 4-bit values (-8..7) two per byte, even element in the low nibble.</summary>
    public static void PackInt4(ReadOnlySpan<sbyte> values, Span<byte> packed)
    {
        CheckLength((values.Length + 1) / 2, packed.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (v is < -8 or > 7)
            {
                throw new ArgumentOutOfRangeException(nameof(values), v, $"Element {i} is outside the int4 range -8..7.");
            }

            SetNibble(packed, i, (byte)(v & 0xF));
        }
    }

    /// <summary>Packs unsigned 4-bit values (0..15) two per byte, even element in the low nibble.</summary>
    public static void PackUInt4(ReadOnlySpan<byte> values, Span<byte> packed)
    {
        CheckLength((values.Length + 1) / 2, packed.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (v > 15)
            {
                throw new ArgumentOutOfRangeException(nameof(values), v, $"Element {i} is outside the uint4 range 0..15.");
            }

            SetNibble(packed, i, v);
        }
    }

    /// <summary>Unpacks signed 4-bit values (sign-extended) from packed bytes, low nibble first.</summary>
    public static void UnpackInt4(ReadOnlySpan<byte> packed, Span<sbyte> values)
    {
        CheckPacked(packed.Length, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var nibble = (packed[i >> 1] >> ((i & 1) * 4)) & 0xF;
            values[i] = (sbyte)((nibble ^ 8) - 8);
        }
    }

    /// <summary>Unpacks unsigned 4-bit values from packed bytes, low nibble first.</summary>
    public static void UnpackUInt4(ReadOnlySpan<byte> packed, Span<byte> values)
    {
        CheckPacked(packed.Length, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (byte)((packed[i >> 1] >> ((i & 1) * 4)) & 0xF);
        }
    }

    private static void SetNibble(Span<byte> packed, int index, byte nibble)
    {
        ref var b = ref packed[index >> 1];
        b = (index & 1) == 0 ? (byte)((b & 0xF0) | nibble) : (byte)((b & 0x0F) | (nibble << 4));
    }

    private static void CheckLength(int expected, int actual)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"Destination holds {actual} elements but {expected} are needed.", nameof(actual));
        }
    }

    private static void CheckPacked(int packedLength, int count)
    {
        if (packedLength < (count + 1) / 2)
        {
            throw new ArgumentException($"{packedLength} packed bytes cannot hold {count} 4-bit values.", nameof(packedLength));
        }
    }
}
