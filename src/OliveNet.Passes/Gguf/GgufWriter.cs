using System.Buffers.Binary;
using System.Text;

namespace OliveNet.Passes.Gguf;

/// <summary>
/// Writes a GGUF v3 file (little-endian): magic, version, tensor and metadata counts, metadata key/values in the order
/// added, tensor infos, then each tensor's data at a 32-byte aligned offset. Data are streamed from each
/// <see cref="GgufTensor.Write"/> in turn; the file is written to a temporary name and renamed when complete.
/// </summary>
public sealed class GgufWriter
{
    /// <summary>Data alignment (the GGUF default; <c>general.alignment</c> is not written).</summary>
    public const int Alignment = 32;

    private readonly List<(string Key, GgufValueType Type, object Value)> _metadata = [];
    private readonly List<GgufTensor> _tensors = [];

    /// <summary>The tensors added so far.</summary>
    public IReadOnlyList<GgufTensor> Tensors => _tensors;

    /// <summary>Adds a string value.</summary>
    public GgufWriter Add(string key, string value) => Put(key, GgufValueType.String, value);

    /// <summary>Adds a uint32 value.</summary>
    public GgufWriter Add(string key, uint value) => Put(key, GgufValueType.UInt32, value);

    /// <summary>Adds an int32 value.</summary>
    public GgufWriter Add(string key, int value) => Put(key, GgufValueType.Int32, value);

    /// <summary>Adds a float32 value.</summary>
    public GgufWriter Add(string key, float value) => Put(key, GgufValueType.Float32, value);

    /// <summary>Adds a bool value.</summary>
    public GgufWriter Add(string key, bool value) => Put(key, GgufValueType.Bool, value);

    /// <summary>Adds an array of strings.</summary>
    public GgufWriter Add(string key, IReadOnlyList<string> value) => Put(key, GgufValueType.Array, (GgufValueType.String, (object)value));

    /// <summary>Adds an array of float32.</summary>
    public GgufWriter Add(string key, IReadOnlyList<float> value) => Put(key, GgufValueType.Array, (GgufValueType.Float32, (object)value));

    /// <summary>Adds an array of int32.</summary>
    public GgufWriter Add(string key, IReadOnlyList<int> value) => Put(key, GgufValueType.Array, (GgufValueType.Int32, (object)value));

    /// <summary>Adds a tensor.</summary>
    /// <exception cref="ArgumentException">The name is taken, or the row length is not a multiple of the type's block size.</exception>
    public GgufWriter Add(GgufTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (_tensors.Any(t => t.Name == tensor.Name))
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' is added twice.", nameof(tensor));
        }

        if (tensor.Dimensions[0] % tensor.Type.BlockSize() != 0)
        {
            throw new ArgumentException($"Tensor '{tensor.Name}': rows of {tensor.Dimensions[0]} are not a multiple of {tensor.Type}'s block of {tensor.Type.BlockSize()}.", nameof(tensor));
        }

        _tensors.Add(tensor);
        return this;
    }

    /// <summary>Writes the file to <paramref name="path"/> (temp file + rename) and returns its size in bytes.</summary>
    /// <exception cref="InvalidOperationException">A tensor callback wrote a different number of bytes than its shape and type imply.</exception>
    public long Write(string path, CancellationToken cancellation = default)
    {
        var temp = path + ".tmp";
        long length;
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            WriteHeader(file);
            foreach (var tensor in _tensors)
            {
                cancellation.ThrowIfCancellationRequested();
                Pad(file);
                var start = file.Position;
                tensor.Write(file);
                if (file.Position - start != tensor.Bytes)
                {
                    throw new InvalidOperationException($"Tensor '{tensor.Name}' wrote {file.Position - start} bytes; {tensor.Type} {string.Join("×", tensor.Dimensions)} takes {tensor.Bytes}.");
                }
            }

            file.Flush(flushToDisk: true);
            length = file.Length;
        }

        File.Move(temp, path, overwrite: true);
        return length;
    }

    private GgufWriter Put(string key, GgufValueType type, object value)
    {
        if (_metadata.Any(m => m.Key == key))
        {
            throw new ArgumentException($"Metadata key '{key}' is added twice.", nameof(key));
        }

        _metadata.Add((key, type, value));
        return this;
    }

    private void WriteHeader(Stream file)
    {
        using var w = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true);
        w.Write(0x46554747u); // "GGUF"
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, type, value) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)type);
            WriteValue(w, type, value);
        }

        ulong offset = 0;
        foreach (var t in _tensors)
        {
            WriteString(w, t.Name);
            w.Write((uint)t.Dimensions.Count);
            foreach (var d in t.Dimensions)
            {
                w.Write((ulong)d);
            }

            w.Write((uint)t.Type);
            w.Write(offset);
            offset += (ulong)Align(t.Bytes);
        }

        w.Flush();
    }

    private static void WriteValue(BinaryWriter w, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.String:
                WriteString(w, (string)value);
                break;
            case GgufValueType.UInt32:
                w.Write((uint)value);
                break;
            case GgufValueType.Int32:
                w.Write((int)value);
                break;
            case GgufValueType.Float32:
                w.Write((float)value);
                break;
            case GgufValueType.Bool:
                w.Write((bool)value ? (byte)1 : (byte)0);
                break;
            case GgufValueType.Array:
                var (elementType, items) = ((GgufValueType, object))value;
                w.Write((uint)elementType);
                switch (items)
                {
                    case IReadOnlyList<string> s:
                        w.Write((ulong)s.Count);
                        foreach (var item in s)
                        {
                            WriteString(w, item);
                        }

                        break;
                    case IReadOnlyList<float> f:
                        w.Write((ulong)f.Count);
                        foreach (var item in f)
                        {
                            w.Write(item);
                        }

                        break;
                    case IReadOnlyList<int> i:
                        w.Write((ulong)i.Count);
                        foreach (var item in i)
                        {
                            w.Write(item);
                        }

                        break;
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not written by OliveNet");
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static long Align(long n) => (n + Alignment - 1) / Alignment * Alignment;

    private static void Pad(Stream file)
    {
        var pad = (int)(Align(file.Position) - file.Position);
        Span<byte> zeros = stackalloc byte[Alignment];
        file.Write(zeros[..pad]);
    }

    /// <summary>Writes little-endian float32 values (for small tensors built in memory).</summary>
    public static void WriteFloats(Stream stream, ReadOnlySpan<float> values)
    {
        var buffer = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), values[i]);
        }

        stream.Write(buffer);
    }
}
