using System.Text;

namespace OliveNet.Passes.Gguf;

/// <summary>One tensor's entry in a GGUF header.</summary>
/// <param name="Name">The tensor name.</param>
/// <param name="Dimensions">ggml dimensions, innermost first.</param>
/// <param name="TypeId">The ggml type id.</param>
/// <param name="Offset">Data offset relative to the data section.</param>
/// <param name="Bytes">Data size in bytes (0 when the type is unknown to OliveNet).</param>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Dimensions, int TypeId, long Offset, long Bytes)
{
    /// <summary>Number of elements.</summary>
    public long Elements => Dimensions.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The header of a GGUF file (v2 or v3): metadata in file order and tensor infos, checked against the file: every
/// string, array and tensor must lie inside it. Arrays are read into lists (strings, numbers, bools); nested arrays are
/// kept as lists of lists.
/// </summary>
public sealed record GgufFile(string Path, uint Version, IReadOnlyList<KeyValuePair<string, object>> Metadata, IReadOnlyList<GgufTensorInfo> Tensors, long DataOffset, long FileSize)
{
    /// <summary>A metadata value by key, or null.</summary>
    public object? this[string key] => Metadata.FirstOrDefault(m => m.Key == key).Value;

    /// <summary>Reads and checks the header of <paramref name="path"/>.</summary>
    /// <exception cref="GgufFormatException">The file is not GGUF, is truncated, or is inconsistent.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static GgufFile Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var size = stream.Length;
        using var r = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (size < 24 || r.ReadUInt32() != 0x46554747u)
            {
                throw new GgufFormatException($"{path}: not a GGUF file (it does not start with the magic 'GGUF').");
            }

            var version = r.ReadUInt32();
            if (version is not (2 or 3))
            {
                throw new GgufFormatException($"{path}: GGUF version {version} is not supported (OliveNet reads versions 2 and 3).");
            }

            var tensorCount = r.ReadUInt64();
            var kvCount = r.ReadUInt64();
            // Every entry takes at least 8 bytes, so counts above the file size are corruption, not big models.
            if (tensorCount > (ulong)size / 8 || kvCount > (ulong)size / 8)
            {
                throw new GgufFormatException($"{path}: header claims {tensorCount} tensors and {kvCount} metadata entries, more than a {size}-byte file can hold; the file is truncated or corrupt (re-download or re-export it).");
            }

            var metadata = new List<KeyValuePair<string, object>>();
            for (ulong i = 0; i < kvCount; i++)
            {
                var key = ReadString(r, path, size);
                var type = (GgufValueType)r.ReadUInt32();
                metadata.Add(new(key, ReadValue(r, type, path, size, key)));
            }

            var alignment = metadata.FirstOrDefault(m => m.Key == "general.alignment").Value is uint a && a > 0 ? a : 32u;
            var infos = new List<(string Name, long[] Dims, int Type, long Offset)>();
            for (ulong i = 0; i < tensorCount; i++)
            {
                var name = ReadString(r, path, size);
                var dims = r.ReadUInt32();
                if (dims is 0 or > 4)
                {
                    throw new GgufFormatException($"{path}: tensor '{name}' has {dims} dimensions (GGUF allows 1 to 4); the file is corrupt.");
                }

                var shape = new long[dims];
                for (var d = 0; d < dims; d++)
                {
                    shape[d] = checked((long)r.ReadUInt64());
                }

                infos.Add((name, shape, (int)r.ReadUInt32(), checked((long)r.ReadUInt64())));
            }

            var dataOffset = (stream.Position + alignment - 1) / alignment * alignment;
            var tensors = new List<GgufTensorInfo>();
            foreach (var (name, dims, type, offset) in infos)
            {
                var (block, bytes) = GgmlTypes.Geometry(type);
                var elements = dims.Aggregate(1L, (x, y) => checked(x * y));
                var length = block == 0 ? 0 : elements / block * bytes;
                if (block > 0 && dims[0] % block != 0)
                {
                    throw new GgufFormatException($"{path}: tensor '{name}' has rows of {dims[0]}, not a multiple of {GgmlTypes.Name(type)}'s block of {block}; the file is corrupt.");
                }

                if (dataOffset + offset + length > size)
                {
                    throw new GgufFormatException(
                        $"{path}: tensor '{name}' ends at byte {dataOffset + offset + length}, past the end of the {size}-byte file; the file is truncated (re-download or re-export it).");
                }

                tensors.Add(new GgufTensorInfo(name, dims, type, offset, length));
            }

            return new GgufFile(path, version, metadata, tensors, dataOffset, size);
        }
        catch (EndOfStreamException e)
        {
            throw new GgufFormatException($"{path}: the header ends early at byte {Math.Min(stream.Position, size)} of {size}; the file is truncated (re-download or re-export it).", e);
        }
        catch (OverflowException e)
        {
            throw new GgufFormatException($"{path}: a size in the header is out of range; the file is corrupt.", e);
        }
    }

    private static string ReadString(BinaryReader r, string path, long size)
    {
        var length = r.ReadUInt64();
        if (length > (ulong)(size - r.BaseStream.Position))
        {
            throw new GgufFormatException($"{path}: a string at byte {r.BaseStream.Position - 8} claims {length} bytes, past the end of the file; the file is truncated or corrupt.");
        }

        return Encoding.UTF8.GetString(r.ReadBytes((int)length));
    }

    private static object ReadValue(BinaryReader r, GgufValueType type, string path, long size, string key) => type switch
    {
        GgufValueType.UInt8 => r.ReadByte(),
        GgufValueType.Int8 => r.ReadSByte(),
        GgufValueType.UInt16 => r.ReadUInt16(),
        GgufValueType.Int16 => r.ReadInt16(),
        GgufValueType.UInt32 => r.ReadUInt32(),
        GgufValueType.Int32 => r.ReadInt32(),
        GgufValueType.Float32 => r.ReadSingle(),
        GgufValueType.Bool => r.ReadByte() != 0,
        GgufValueType.String => ReadString(r, path, size),
        GgufValueType.UInt64 => r.ReadUInt64(),
        GgufValueType.Int64 => r.ReadInt64(),
        GgufValueType.Float64 => r.ReadDouble(),
        GgufValueType.Array => ReadArray(r, path, size, key),
        _ => throw new GgufFormatException($"{path}: metadata '{key}' has value type {(uint)type}, which GGUF does not define; the file is corrupt."),
    };

    private static List<object> ReadArray(BinaryReader r, string path, long size, string key)
    {
        var type = (GgufValueType)r.ReadUInt32();
        var count = r.ReadUInt64();
        if (count > (ulong)(size - r.BaseStream.Position))
        {
            throw new GgufFormatException($"{path}: metadata array '{key}' claims {count} items, more than the rest of the file holds; the file is truncated or corrupt.");
        }

        var items = new List<object>((int)Math.Min(count, 1 << 20));
        for (ulong i = 0; i < count; i++)
        {
            items.Add(ReadValue(r, type, path, size, key));
        }

        return items;
    }
}
