namespace OliveNet.Runtime;

/// <summary>Sizes of tensor element types and the CLR types that match them.</summary>
internal static class ElementTypes
{
    /// <summary>Bits per element; 0 for strings and undefined (no fixed size).</summary>
    public static int BitsPerElement(TensorElementType type) => type switch
    {
        TensorElementType.UInt4 or TensorElementType.Int4 or TensorElementType.Float4E2M1 => 4,
        TensorElementType.UInt8 or TensorElementType.Int8 or TensorElementType.Bool or TensorElementType.Float8E4M3FN
            or TensorElementType.Float8E4M3FNUZ or TensorElementType.Float8E5M2 or TensorElementType.Float8E5M2FNUZ => 8,
        TensorElementType.UInt16 or TensorElementType.Int16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 16,
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 32,
        TensorElementType.Int64 or TensorElementType.UInt64 or TensorElementType.Double or TensorElementType.Complex64 => 64,
        TensorElementType.Complex128 => 128,
        _ => 0,
    };

    /// <summary>Bytes that <paramref name="count"/> packed elements occupy (4-bit types: two per byte, rounded up).</summary>
    public static long ByteCount(TensorElementType type, long count) => ((count * BitsPerElement(type)) + 7) / 8;

    /// <summary>The element type a CLR type stands for, or <see cref="TensorElementType.Undefined"/>.</summary>
    public static TensorElementType Of<T>()
        where T : unmanaged => typeof(T) switch
        {
            var t when t == typeof(float) => TensorElementType.Float,
            var t when t == typeof(double) => TensorElementType.Double,
            var t when t == typeof(Half) => TensorElementType.Float16,
            var t when t == typeof(sbyte) => TensorElementType.Int8,
            var t when t == typeof(byte) => TensorElementType.UInt8,
            var t when t == typeof(short) => TensorElementType.Int16,
            var t when t == typeof(ushort) => TensorElementType.UInt16,
            var t when t == typeof(int) => TensorElementType.Int32,
            var t when t == typeof(uint) => TensorElementType.UInt32,
            var t when t == typeof(long) => TensorElementType.Int64,
            var t when t == typeof(ulong) => TensorElementType.UInt64,
            var t when t == typeof(bool) => TensorElementType.Bool,
            _ => TensorElementType.Undefined,
        };

    /// <summary>Product of <paramref name="shape"/>, checking every dimension is concrete.</summary>
    public static long ElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                throw new ArgumentException($"Shape [{string.Join(", ", shape.ToArray())}] has a negative dimension; tensors need concrete dimensions.", nameof(shape));
            }

            count = checked(count * dim);
        }

        return count;
    }
}
