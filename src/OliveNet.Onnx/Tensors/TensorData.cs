using System.Buffers.Binary;
using System.Runtime.InteropServices;
using OliveNet.Onnx.Protos;

namespace OliveNet.Onnx;

/// <summary>
/// Typed reads and writes of <see cref="TensorProto"/> values. External data is resolved against the
/// model's base directory and read only when asked for. Every read returns a fresh array the caller owns.
/// </summary>
public static partial class TensorData
{
    /// <summary>Number of elements (product of dims; 1 for a scalar).</summary>
    public static long ElementCount(TensorProto t)
    {
        long n = 1;
        foreach (var d in t.Dims)
        {
            if (d < 0)
            {
                throw new OnnxFormatException($"Tensor '{t.Name}' has negative dimension {d}. Fix or re-export the model.");
            }

            if (d != 0 && n > long.MaxValue / d)
            {
                throw new OnnxFormatException(
                    $"Tensor '{t.Name}' has dims [{string.Join(",", t.Dims)}] whose element count overflows 64 bits; the model is corrupt. Re-export it.");
            }

            n *= d;
        }

        return n;
    }

    /// <summary>Whether the tensor's data lives in an external file.</summary>
    public static bool IsExternal(TensorProto t) =>
        t.HasDataLocation && t.DataLocation == TensorProto.Types.DataLocation.External;

    /// <summary>Bytes the tensor's data occupies in <c>raw_data</c> form (0 for strings).</summary>
    public static long ByteSize(TensorProto t) =>
        OnnxDataTypes.ByteCount((OnnxDataType)t.DataType, ElementCount(t));

    /// <summary>
    /// Reads the elements as <typeparamref name="T"/>, which must match the tensor's data type
    /// (float, Half, BFloat16, double, sbyte, byte, short, ushort, int, uint, long, ulong, bool).
    /// </summary>
    /// <exception cref="OnnxFormatException">Type mismatch, size mismatch or unreadable external data.</exception>
    public static T[] Read<T>(TensorProto t, string? baseDirectory)
        where T : unmanaged
    {
        var type = (OnnxDataType)t.DataType;
        if (!Accepts<T>(type))
        {
            throw new OnnxFormatException(
                $"Tensor '{t.Name}' is {OnnxDataTypes.Name(type)} and cannot be read as {typeof(T).Name}; " +
                $"read it as {ClrTypeName(type)}.");
        }

        var bytes = ReadRawBytes(t, baseDirectory);
        var result = new T[ElementCount(t)];
        bytes.AsSpan().CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("OliveNet reads tensors on little-endian hosts only.");
        }

        return result;
    }

    /// <summary>
    /// The little-endian bytes <c>raw_data</c> would hold for this tensor (sub-byte types packed, low nibble first),
    /// built from raw_data, the typed fields or the external file.
    /// </summary>
    public static byte[] ReadRawBytes(TensorProto t, string? baseDirectory)
    {
        var type = (OnnxDataType)t.DataType;
        if (type == OnnxDataType.String)
        {
            throw new OnnxFormatException($"Tensor '{t.Name}' holds strings; read it with TensorData.ReadStrings.");
        }

        if (OnnxDataTypes.BitsPerElement(type) == 0)
        {
            throw new OnnxFormatException(
                $"Tensor '{t.Name}' has data type {t.DataType}, which OliveNet cannot read. Check the model's producer.");
        }

        var expected = ByteSize(t);
        byte[] bytes;
        if (IsExternal(t))
        {
            bytes = ReadExternal(t, baseDirectory, expected);
        }
        else if (t.HasRawData)
        {
            bytes = t.RawData.ToByteArray();
        }
        else
        {
            bytes = FromTypedFields(t, type, expected);
        }

        if (bytes.LongLength != expected)
        {
            throw new OnnxFormatException(
                $"Tensor '{t.Name}' ({OnnxDataTypes.Name(type)}, {ElementCount(t)} elements) should hold {expected} bytes " +
                $"but holds {bytes.LongLength}. The model is corrupt; re-export it.");
        }

        return bytes;
    }

    /// <summary>Reads a string tensor's elements (UTF-8 decoded).</summary>
    public static string[] ReadStrings(TensorProto t)
    {
        if ((OnnxDataType)t.DataType != OnnxDataType.String)
        {
            throw new OnnxFormatException($"Tensor '{t.Name}' is {OnnxDataTypes.Name((OnnxDataType)t.DataType)}, not string.");
        }

        return t.StringData.Select(s => s.ToStringUtf8()).ToArray();
    }

    /// <summary>Reads an int4 tensor unpacked to one sign-extended value per element.</summary>
    public static sbyte[] ReadInt4(TensorProto t, string? baseDirectory)
    {
        RequireType(t, OnnxDataType.Int4);
        var result = new sbyte[ElementCount(t)];
        TensorConvert.UnpackInt4(ReadRawBytes(t, baseDirectory), result);
        return result;
    }

    /// <summary>Reads a uint4 tensor unpacked to one value per element.</summary>
    public static byte[] ReadUInt4(TensorProto t, string? baseDirectory)
    {
        RequireType(t, OnnxDataType.UInt4);
        var result = new byte[ElementCount(t)];
        TensorConvert.UnpackUInt4(ReadRawBytes(t, baseDirectory), result);
        return result;
    }

    private static void RequireType(TensorProto t, OnnxDataType type)
    {
        if ((OnnxDataType)t.DataType != type)
        {
            throw new OnnxFormatException(
                $"Tensor '{t.Name}' is {OnnxDataTypes.Name((OnnxDataType)t.DataType)}, not {OnnxDataTypes.Name(type)}.");
        }
    }

    private static byte[] ReadExternal(TensorProto t, string? baseDirectory, long expected)
    {
        var info = ExternalDataInfo.Resolve(t, baseDirectory);
        info.Validate(t.Name);
        if (info.Length != expected)
        {
            throw new OnnxFormatException(
                $"Tensor '{t.Name}' declares external length {info.Length} but its shape and type need {expected} bytes. Re-export the model.")
            { Path = info.FullPath };
        }

        if (expected > Array.MaxLength)
        {
            throw new OnnxFormatException($"Tensor '{t.Name}' has {expected} bytes, more than one .NET array can hold.");
        }

        var bytes = new byte[expected];
        using var stream = new FileStream(info.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        stream.Position = info.Offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static byte[] FromTypedFields(TensorProto t, OnnxDataType type, long expected)
    {
        var bytes = new byte[expected];
        var span = bytes.AsSpan();
        switch (type)
        {
            case OnnxDataType.Float or OnnxDataType.Complex64:
                CopyTyped(t, t.FloatData.Count * 4L, expected);
                MemoryMarshal.AsBytes(t.FloatData.ToArray().AsSpan()).CopyTo(span);
                break;
            case OnnxDataType.Double or OnnxDataType.Complex128:
                CopyTyped(t, t.DoubleData.Count * 8L, expected);
                MemoryMarshal.AsBytes(t.DoubleData.ToArray().AsSpan()).CopyTo(span);
                break;
            case OnnxDataType.Int64:
                CopyTyped(t, t.Int64Data.Count * 8L, expected);
                MemoryMarshal.AsBytes(t.Int64Data.ToArray().AsSpan()).CopyTo(span);
                break;
            case OnnxDataType.UInt64:
                CopyTyped(t, t.Uint64Data.Count * 8L, expected);
                MemoryMarshal.AsBytes(t.Uint64Data.ToArray().AsSpan()).CopyTo(span);
                break;
            case OnnxDataType.UInt32:
                CopyTyped(t, t.Uint64Data.Count * 4L, expected);
                for (var i = 0; i < t.Uint64Data.Count; i++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(span[(i * 4)..], (uint)t.Uint64Data[i]);
                }

                break;
            case OnnxDataType.Int32:
                CopyTyped(t, t.Int32Data.Count * 4L, expected);
                MemoryMarshal.AsBytes(t.Int32Data.ToArray().AsSpan()).CopyTo(span);
                break;
            case OnnxDataType.Int16 or OnnxDataType.UInt16 or OnnxDataType.Float16 or OnnxDataType.BFloat16:
                CopyTyped(t, t.Int32Data.Count * 2L, expected);
                for (var i = 0; i < t.Int32Data.Count; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(span[(i * 2)..], (ushort)t.Int32Data[i]);
                }

                break;
            default:
                // 8-bit types hold one element per int32; 4-bit and 2-bit types hold one packed byte per int32.
                CopyTyped(t, t.Int32Data.Count, expected);
                for (var i = 0; i < t.Int32Data.Count; i++)
                {
                    span[i] = (byte)t.Int32Data[i];
                }

                break;
        }

        return bytes;
    }

    private static void CopyTyped(TensorProto t, long actual, long expected)
    {
        if (actual != expected)
        {
            throw new OnnxFormatException(
                $"Tensor '{t.Name}' ({OnnxDataTypes.Name((OnnxDataType)t.DataType)}, {ElementCount(t)} elements) " +
                $"should hold {expected} bytes but its typed data holds {actual}. The model is corrupt; re-export it.");
        }
    }
}
