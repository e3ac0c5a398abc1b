namespace OliveNet.Onnx;

/// <summary>Mapping between CLR element types and ONNX data types.</summary>
public static partial class TensorData
{
    /// <summary>The ONNX data type <see cref="Create{T}"/> writes for <typeparamref name="T"/>.</summary>
    public static OnnxDataType DataTypeOf<T>()
        where T : unmanaged
    {
        var t = typeof(T);
        if (t == typeof(float)) { return OnnxDataType.Float; }
        if (t == typeof(Half)) { return OnnxDataType.Float16; }
        if (t == typeof(BFloat16)) { return OnnxDataType.BFloat16; }
        if (t == typeof(double)) { return OnnxDataType.Double; }
        if (t == typeof(sbyte)) { return OnnxDataType.Int8; }
        if (t == typeof(byte)) { return OnnxDataType.UInt8; }
        if (t == typeof(short)) { return OnnxDataType.Int16; }
        if (t == typeof(ushort)) { return OnnxDataType.UInt16; }
        if (t == typeof(int)) { return OnnxDataType.Int32; }
        if (t == typeof(uint)) { return OnnxDataType.UInt32; }
        if (t == typeof(long)) { return OnnxDataType.Int64; }
        if (t == typeof(ulong)) { return OnnxDataType.UInt64; }
        if (t == typeof(bool)) { return OnnxDataType.Bool; }
        throw new ArgumentException($"{t.Name} is not a supported tensor element type.", nameof(T));
    }

    private static bool Accepts<T>(OnnxDataType type)
        where T : unmanaged
    {
        if (typeof(T) == typeof(byte))
        {
            // Raw bytes of 8-bit float formats have no CLR type of their own.
            return type is OnnxDataType.UInt8 or OnnxDataType.Float8E4M3FN or OnnxDataType.Float8E4M3FNUZ
                or OnnxDataType.Float8E5M2 or OnnxDataType.Float8E5M2FNUZ or OnnxDataType.Float8E8M0;
        }

        return typeof(T) != typeof(byte) && IsSupported<T>() && DataTypeOf<T>() == type;
    }

    private static bool IsSupported<T>()
        where T : unmanaged
    {
        var t = typeof(T);
        return t == typeof(float) || t == typeof(Half) || t == typeof(BFloat16) || t == typeof(double)
            || t == typeof(sbyte) || t == typeof(short) || t == typeof(ushort) || t == typeof(int)
            || t == typeof(uint) || t == typeof(long) || t == typeof(ulong) || t == typeof(bool);
    }

    private static string ClrTypeName(OnnxDataType type) => type switch
    {
        OnnxDataType.Float => "float",
        OnnxDataType.Float16 => "Half",
        OnnxDataType.BFloat16 => "BFloat16",
        OnnxDataType.Double => "double",
        OnnxDataType.Int8 => "sbyte",
        OnnxDataType.UInt8 => "byte",
        OnnxDataType.Int16 => "short",
        OnnxDataType.UInt16 => "ushort",
        OnnxDataType.Int32 => "int",
        OnnxDataType.UInt32 => "uint",
        OnnxDataType.Int64 => "long",
        OnnxDataType.UInt64 => "ulong",
        OnnxDataType.Bool => "bool",
        OnnxDataType.Int4 => "sbyte via TensorData.ReadInt4",
        OnnxDataType.UInt4 => "byte via TensorData.ReadUInt4",
        OnnxDataType.String => "string via TensorData.ReadStrings",
        _ => "byte[] via TensorData.ReadRawBytes",
    };
}
