namespace OliveNet.Onnx;

/// <summary>Sizes and display names of <see cref="OnnxDataType"/> values.</summary>
public static class OnnxDataTypes
{
    /// <summary>Bits one element occupies in <c>raw_data</c>; 0 for <see cref="OnnxDataType.String"/> and unknown types.</summary>
    public static int BitsPerElement(OnnxDataType t) => t switch
    {
        OnnxDataType.Float or OnnxDataType.Int32 or OnnxDataType.UInt32 => 32,
        OnnxDataType.Double or OnnxDataType.Int64 or OnnxDataType.UInt64 or OnnxDataType.Complex64 => 64,
        OnnxDataType.Complex128 => 128,
        OnnxDataType.Float16 or OnnxDataType.BFloat16 or OnnxDataType.Int16 or OnnxDataType.UInt16 => 16,
        OnnxDataType.UInt8 or OnnxDataType.Int8 or OnnxDataType.Bool or OnnxDataType.Float8E4M3FN
            or OnnxDataType.Float8E4M3FNUZ or OnnxDataType.Float8E5M2 or OnnxDataType.Float8E5M2FNUZ
            or OnnxDataType.Float8E8M0 => 8,
        OnnxDataType.UInt4 or OnnxDataType.Int4 or OnnxDataType.Float4E2M1 => 4,
        OnnxDataType.UInt2 or OnnxDataType.Int2 => 2,
        _ => 0,
    };

    /// <summary>Bytes needed for <paramref name="elementCount"/> packed elements (sub-byte types rounded up).</summary>
    public static long ByteCount(OnnxDataType t, long elementCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementCount);
        long bits = BitsPerElement(t);
        return checked((elementCount * bits) + 7) / 8;
    }

    /// <summary>Short lower-case display name such as <c>float32</c>, <c>bfloat16</c> or <c>int4</c>.</summary>
    public static string Name(OnnxDataType t) => t switch
    {
        OnnxDataType.Undefined => "undefined",
        OnnxDataType.Float => "float32",
        OnnxDataType.UInt8 => "uint8",
        OnnxDataType.Int8 => "int8",
        OnnxDataType.UInt16 => "uint16",
        OnnxDataType.Int16 => "int16",
        OnnxDataType.Int32 => "int32",
        OnnxDataType.Int64 => "int64",
        OnnxDataType.String => "string",
        OnnxDataType.Bool => "bool",
        OnnxDataType.Float16 => "float16",
        OnnxDataType.Double => "float64",
        OnnxDataType.UInt32 => "uint32",
        OnnxDataType.UInt64 => "uint64",
        OnnxDataType.Complex64 => "complex64",
        OnnxDataType.Complex128 => "complex128",
        OnnxDataType.BFloat16 => "bfloat16",
        OnnxDataType.Float8E4M3FN => "float8e4m3fn",
        OnnxDataType.Float8E4M3FNUZ => "float8e4m3fnuz",
        OnnxDataType.Float8E5M2 => "float8e5m2",
        OnnxDataType.Float8E5M2FNUZ => "float8e5m2fnuz",
        OnnxDataType.UInt4 => "uint4",
        OnnxDataType.Int4 => "int4",
        OnnxDataType.Float4E2M1 => "float4e2m1",
        OnnxDataType.Float8E8M0 => "float8e8m0",
        OnnxDataType.UInt2 => "uint2",
        OnnxDataType.Int2 => "int2",
        _ => "type" + ((int)t).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
