using System.Text;
using System.Text.Json.Nodes;

namespace OliveNet.Passes.Export.SafeTensors;

/// <summary>
/// Writes one <c>.safetensors</c> file whose tensors are declared up front (name, dtype, shape) and whose data is then
/// appended in that order, chunk by chunk, so no tensor has to be whole in memory. The file is written beside its
/// destination and renamed into place by <see cref="Commit"/>; a writer disposed without committing leaves nothing.
/// </summary>
internal sealed class SafeTensorsWriter : IDisposable
{
    private readonly string _path;
    private readonly string _temp;
    private readonly FileStream _stream;
    private readonly List<(string Name, long Bytes)> _order;
    private int _current;
    private long _written;

    /// <summary>A tensor to declare: its name, safetensors dtype (F32, F16, BF16, U8) and shape.</summary>
    public readonly record struct Entry(string Name, string DType, long[] Shape)
    {
        /// <summary>Bytes of data.</summary>
        public long Bytes => Shape.Aggregate(1L, (a, b) => a * b) * SafeTensorInfo.ElementSize(DType);
    }

    /// <summary>Starts <paramref name="path"/> with the given tensors, in data order.</summary>
    public SafeTensorsWriter(string path, IReadOnlyList<Entry> entries)
    {
        _path = path;
        _temp = path + ".tmp";
        _order = entries.Select(e => (e.Name, e.Bytes)).ToList();
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (var e in entries)
        {
            var shape = new JsonArray(e.Shape.Select(d => (JsonNode)d).ToArray());
            header[e.Name] = new JsonObject { ["dtype"] = e.DType, ["shape"] = shape, ["data_offsets"] = new JsonArray(offset, offset + e.Bytes) };
            offset += e.Bytes;
        }

        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8; // the data section starts 8-byte aligned
        _stream = new FileStream(_temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        _stream.Write(BitConverter.GetBytes((long)padded));
        _stream.Write(json);
        for (var i = json.Length; i < padded; i++)
        {
            _stream.WriteByte((byte)' ');
        }
    }

    /// <summary>Appends data of the current tensor; moves to the next one once this one is complete.</summary>
    /// <exception cref="InvalidOperationException">More bytes than the declared tensors hold.</exception>
    public void Append(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            if (_current >= _order.Count)
            {
                throw new InvalidOperationException($"{_path}: more data than the {_order.Count} declared tensors hold.");
            }

            var room = _order[_current].Bytes - _written;
            var n = (int)Math.Min(room, data.Length);
            _stream.Write(data[..n]);
            data = data[n..];
            _written += n;
            if (_written == _order[_current].Bytes)
            {
                _current++;
                _written = 0;
            }
        }

        // Zero-byte tensors complete without data.
        while (_current < _order.Count && _order[_current].Bytes == 0)
        {
            _current++;
        }
    }

    /// <summary>Flushes and renames the file into place.</summary>
    /// <exception cref="InvalidOperationException">A declared tensor did not get all its bytes.</exception>
    public void Commit()
    {
        Append([]);
        if (_current != _order.Count)
        {
            throw new InvalidOperationException($"{_path}: tensor '{_order[_current].Name}' got {_written} of {_order[_current].Bytes} bytes.");
        }

        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_temp, _path, overwrite: true);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stream.Dispose();
        if (File.Exists(_temp))
        {
            File.Delete(_temp);
        }
    }
}
