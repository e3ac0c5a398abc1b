using System.IO.MemoryMappedFiles;

using System.Text.Json;

namespace OliveNet.Passes.Export.SafeTensors;

/// <summary>
/// One <c>.safetensors</c> file, memory-mapped read-only. The layout is an 8-byte little-endian header length, a JSON
/// header (name → dtype, shape, data_offsets; optional <c>__metadata__</c>), then the data section. Opening validates
/// the whole header: supported dtypes, offsets inside the file, byte sizes equal to dtype × shape, no overlaps.
/// Tensor bytes are read straight from a mapping of just that range, so nothing is loaded until asked for. Reads may
/// run concurrently; <see cref="Dispose"/> must not.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100L << 20;
    private readonly MemoryMappedFile? _map;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _tensors;

    private SafeTensorsFile(string path, Dictionary<string, SafeTensorInfo> tensors, long dataStart, long length)
    {
        Path = path;
        _tensors = tensors;
        _dataStart = dataStart;
        if (length > dataStart)
        {
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        }
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>Tensors in data order.</summary>
    public IEnumerable<SafeTensorInfo> Tensors => _tensors.Values.OrderBy(t => t.Begin);

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="SafeTensorsException">The file is missing, truncated or its header is invalid.</exception>
    public static SafeTensorsFile Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new SafeTensorsException($"{full}: file not found.");
        }

        long length;
        byte[] header;
        using (var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            length = stream.Length;
            Span<byte> prefix = stackalloc byte[8];
            if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8)
            {
                throw Bad(full, $"is {length} bytes, too short for the 8-byte header length");
            }

            var headerLength = BitConverter.ToInt64(prefix);
            if (headerLength < 2 || headerLength > MaxHeaderBytes || headerLength > length - 8)
            {
                throw Bad(full, $"declares a {headerLength}-byte header, but the file holds {length - 8} bytes after the length (limit {MaxHeaderBytes})");
            }

            header = new byte[headerLength];
            stream.ReadExactly(header);
        }

        var tensors = ParseHeader(full, header, length - 8 - header.Length);
        return new SafeTensorsFile(full, tensors, 8 + header.Length, length);
    }

    /// <summary>Whether the file holds <paramref name="name"/>.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/>.</summary>
    /// <exception cref="SafeTensorsException">No such tensor.</exception>
    public SafeTensorInfo Info(string name) =>
        _tensors.TryGetValue(name, out var info) ? info : throw new SafeTensorsException($"{Path}: no tensor named '{name}'.");

    /// <summary>Reads a tensor converted to float32 into <paramref name="destination"/> (length = element count).</summary>
    public void ReadFloat32(string name, Span<float> destination)
    {
        var info = Info(name);
        var rows = info.Shape.Count == 0 ? 1 : info.Shape[0];
        ReadRowsFloat32(name, 0, (int)rows, destination);
    }

    /// <summary>The stored bytes of a tensor (any dtype), copied into a new array.</summary>
    public byte[] ReadBytes(string name)
    {
        var info = Info(name);
        var result = new byte[info.End - info.Begin];
        if (result.Length == 0)
        {
            return result;
        }

        using var view = _map!.CreateViewAccessor(_dataStart + info.Begin, result.Length, MemoryMappedFileAccess.Read);
        view.ReadArray(0, result, 0, result.Length);
        return result;
    }

    /// <summary>
    /// Reads rows <c>[start, start + count)</c> of a tensor (slices of its first dimension) as float32. Only those bytes
    /// are mapped, and unmapped again before returning, so reading a checkpoint tensor by tensor keeps memory flat.
    /// </summary>
    /// <exception cref="ArgumentException">The rows are out of range or the destination has the wrong length.</exception>
    public void ReadRowsFloat32(string name, int start, int count, Span<float> destination)
    {
        var info = Info(name);
        var rows = info.Shape.Count == 0 ? 1 : info.Shape[0];
        var rowElements = rows == 0 ? 0 : info.ElementCount / rows;
        if (start < 0 || count < 0 || start + count > rows || destination.Length != rowElements * count)
        {
            throw new ArgumentException($"Tensor '{name}' [{string.Join(", ", info.Shape)}]: rows {start}..{start + count} into {destination.Length} floats do not fit.", nameof(destination));
        }

        var size = SafeTensorInfo.ElementSize(info.DType);
        var offset = _dataStart + info.Begin + (start * rowElements * size);
        var length = count * rowElements * size;
        if (length == 0)
        {
            return;
        }

        using var view = _map!.CreateViewAccessor(offset, length, MemoryMappedFileAccess.Read);
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        try
        {
            // Converted in chunks under 2 GiB so one span never overflows.
            const long Chunk = 1L << 30;
            var bytes = p + view.PointerOffset;
            for (long done = 0; done < length; done += Chunk)
            {
                var n = (int)Math.Min(Chunk, length - done);
                SafeTensorConvert.ToFloat32(info.DType, new ReadOnlySpan<byte>(bytes + done, n), destination.Slice((int)(done / size), n / size));
            }
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _map?.Dispose();

    private static Dictionary<string, SafeTensorInfo> ParseHeader(string path, byte[] header, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw Bad(path, $"has a header that is not valid JSON ({e.Message})");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Bad(path, "has a header that is not a JSON object");
            }

            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    continue;
                }

                tensors[entry.Name] = ParseEntry(path, entry);
            }

            CheckRanges(path, tensors.Values, dataLength);
            return tensors;
        }
    }

    private static SafeTensorInfo ParseEntry(string path, JsonProperty entry)
    {
        var name = entry.Name;
        var e = entry.Value;
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out var dtypeNode) || dtypeNode.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out var shapeNode) || shapeNode.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out var offsetsNode) || offsetsNode.ValueKind != JsonValueKind.Array || offsetsNode.GetArrayLength() != 2)
        {
            throw Bad(path, $"tensor '{name}' needs dtype (string), shape (array) and data_offsets ([begin, end])");
        }

        var dtype = dtypeNode.GetString()!;
        var elementSize = SafeTensorInfo.ElementSize(dtype);
        if (elementSize == 0)
        {
            throw Bad(path, $"tensor '{name}' has dtype {dtype}; OliveNet reads F32, F16, BF16, U8 and I32 tensors");
        }

        var shape = new List<long>();
        foreach (var d in shapeNode.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var dim) || dim < 0)
            {
                throw Bad(path, $"tensor '{name}' has a shape entry that is not a non-negative integer");
            }

            shape.Add(dim);
        }

        var offsets = offsetsNode.EnumerateArray().Select(o => o.ValueKind == JsonValueKind.Number && o.TryGetInt64(out var v) ? v : -1).ToArray();
        var info = new SafeTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
        long expected;
        try
        {
            expected = checked(info.ElementCount * elementSize);
        }
        catch (OverflowException)
        {
            throw Bad(path, $"tensor '{name}' has a shape whose size overflows");
        }

        if (info.Begin < 0 || info.End < info.Begin)
        {
            throw Bad(path, $"tensor '{name}' has data_offsets [{offsets[0]}, {offsets[1]}], which are not a valid range");
        }

        if (info.End - info.Begin != expected)
        {
            throw Bad(path, $"tensor '{name}' spans {info.End - info.Begin} bytes, but {dtype} × [{string.Join(", ", shape)}] needs {expected}");
        }

        return info;
    }

    private static void CheckRanges(string path, IEnumerable<SafeTensorInfo> tensors, long dataLength)
    {
        SafeTensorInfo? previous = null;
        foreach (var t in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.End > dataLength)
            {
                throw Bad(path, $"tensor '{t.Name}' ends at byte {t.End} of the data section, which holds only {dataLength} bytes (truncated file?)");
            }

            if (previous is not null && t.Begin < previous.End)
            {
                throw Bad(path, $"tensors '{previous.Name}' and '{t.Name}' overlap (bytes {t.Begin}..{previous.End})");
            }

            previous = t;
        }
    }

    private static SafeTensorsException Bad(string path, string what) =>
        new($"{path}: not a valid safetensors file: {what}. Re-download or re-save the checkpoint.");

}
