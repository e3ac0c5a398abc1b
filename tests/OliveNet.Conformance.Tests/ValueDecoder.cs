using System.Buffers.Binary;
using OliveNet.Onnx;

namespace OliveNet.Conformance.Tests;

/// <summary>Decodes little-endian tensor bytes of any numeric type to doubles, so expected and actual compare alike.</summary>
public static class ValueDecoder
{
    /// <summary>Decodes <paramref name="count"/> elements of <paramref name="type"/> from <paramref name="bytes"/>.</summary>
    public static double[] ToDoubles(OnnxDataType type, ReadOnlySpan<byte> bytes, long count)
    {
        var result = new double[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = type switch
            {
                OnnxDataType.Float => BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]),
                OnnxDataType.Double => BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]),
                OnnxDataType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]),
                OnnxDataType.BFloat16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16),
                OnnxDataType.Int8 => (sbyte)bytes[i],
                OnnxDataType.UInt8 or OnnxDataType.Bool => bytes[i],
                OnnxDataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(bytes[(i * 2)..]),
                OnnxDataType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]),
                OnnxDataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]),
                OnnxDataType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]),
                OnnxDataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]),
                OnnxDataType.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * 8)..]),
                OnnxDataType.UInt4 => (bytes[i / 2] >> (4 * (i % 2))) & 0xF,
                OnnxDataType.Int4 => ((sbyte)(bytes[i / 2] << (4 * (1 - (i % 2))))) >> 4,
                _ => throw new NotSupportedException($"element type {type} is not compared by the conformance runner"),
            };
        }

        return result;
    }

    /// <summary>Whether values of the type are compared with a tolerance (floating point) or exactly.</summary>
    public static bool IsFloatingPoint(OnnxDataType type) =>
        type is OnnxDataType.Float or OnnxDataType.Double or OnnxDataType.Float16 or OnnxDataType.BFloat16;
}
