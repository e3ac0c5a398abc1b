using Google.Protobuf;
using OliveNet.Onnx.Protos;

namespace OliveNet.Onnx;

/// <summary>Construction of inline tensors (raw_data, little-endian).</summary>
public static partial class TensorData
{
    /// <summary>Creates an inline tensor with <c>raw_data</c>; <paramref name="data"/> length must equal the product of <paramref name="dims"/>.</summary>
    public static TensorProto Create<T>(string name, ReadOnlySpan<T> data, ReadOnlySpan<long> dims)
        where T : unmanaged
    {
        var type = DataTypeOf<T>();
        CheckCount(name, data.Length, dims);
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data);
        return NewTensor(name, type, dims, ByteString.CopyFrom(bytes));
    }

    /// <summary>Creates an int4 tensor from values in -8..7, packed two per byte with the even element in the low nibble.</summary>
    public static TensorProto CreateInt4(string name, ReadOnlySpan<sbyte> values, ReadOnlySpan<long> dims)
    {
        CheckCount(name, values.Length, dims);
        var packed = new byte[(values.Length + 1) / 2];
        TensorConvert.PackInt4(values, packed);
        return NewTensor(name, OnnxDataType.Int4, dims, ByteString.CopyFrom(packed));
    }

    /// <summary>Creates a uint4 tensor from values in 0..15, packed two per byte with the even element in the low nibble.</summary>
    public static TensorProto CreateUInt4(string name, ReadOnlySpan<byte> values, ReadOnlySpan<long> dims)
    {
        CheckCount(name, values.Length, dims);
        var packed = new byte[(values.Length + 1) / 2];
        TensorConvert.PackUInt4(values, packed);
        return NewTensor(name, OnnxDataType.UInt4, dims, ByteString.CopyFrom(packed));
    }

    /// <summary>Creates a string tensor (UTF-8 in <c>string_data</c>).</summary>
    public static TensorProto CreateStrings(string name, IReadOnlyList<string> values, ReadOnlySpan<long> dims)
    {
        CheckCount(name, values.Count, dims);
        var t = NewTensor(name, OnnxDataType.String, dims, null);
        foreach (var v in values)
        {
            t.StringData.Add(ByteString.CopyFromUtf8(v));
        }

        return t;
    }

    private static TensorProto NewTensor(string name, OnnxDataType type, ReadOnlySpan<long> dims, ByteString? raw)
    {
        var t = new TensorProto { Name = name, DataType = (int)type };
        foreach (var d in dims)
        {
            t.Dims.Add(d);
        }

        if (raw is not null)
        {
            t.RawData = raw;
        }

        return t;
    }

    private static void CheckCount(string name, int count, ReadOnlySpan<long> dims)
    {
        long n = 1;
        foreach (var d in dims)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(dims));
            n = checked(n * d);
        }

        if (n != count)
        {
            throw new ArgumentException($"Tensor '{name}': shape holds {n} elements but {count} values were given.", nameof(dims));
        }
    }
}
