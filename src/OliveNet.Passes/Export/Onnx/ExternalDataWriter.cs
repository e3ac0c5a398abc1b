using System.Globalization;
using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Export.Onnx;

/// <summary>
/// Streams initializer bytes into one external data file as they are produced, so an export never holds more than
/// the tensor being written. Tensors under <see cref="InlineBelow"/> bytes stay inline. Large tensors start on 4 KiB
/// boundaries (memory-mappable), small ones on 64 bytes. Writes to a temp file; <see cref="Commit"/> renames it.
/// </summary>
internal sealed class ExternalDataWriter : IDisposable
{
    /// <summary>Tensors smaller than this stay in the protobuf.</summary>
    public const int InlineBelow = 1024;

    private readonly FileStream _stream;
    private readonly string _tempPath;
    private readonly string _finalPath;
    private bool _committed;
    private long _pending;

    /// <summary>Creates the writer for <paramref name="fileName"/> in <paramref name="folder"/>.</summary>
    public ExternalDataWriter(string folder, string fileName)
    {
        FileName = fileName;
        _finalPath = Path.Combine(folder, fileName);
        _tempPath = Path.Combine(folder, $".{fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        _stream = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
    }

    /// <summary>The data file's name, as written in each tensor's <c>location</c>.</summary>
    public string FileName { get; }

    /// <summary>Bytes written so far.</summary>
    public long Length => _stream.Length;

    /// <summary>A tensor holding <paramref name="bytes"/> (little-endian), inline when small, else appended to the file.</summary>
    public TensorProto Tensor(string name, OnnxDataType type, ReadOnlySpan<long> dims, ReadOnlySpan<byte> bytes)
    {
        var t = new TensorProto { Name = name, DataType = (int)type };
        foreach (var d in dims)
        {
            t.Dims.Add(d);
        }

        if (bytes.Length < InlineBelow)
        {
            t.RawData = ByteString.CopyFrom(bytes);
            return t;
        }

        Start(t, bytes.Length);
        Append(bytes);
        End();
        return t;
    }

    /// <summary>
    /// Starts an external tensor of <paramref name="length"/> bytes whose data follows through <see cref="Append"/>
    /// calls and ends with <see cref="End"/>; one tensor at a time. Lets a producer write a tensor in chunks.
    /// </summary>
    public TensorProto Begin(string name, OnnxDataType type, ReadOnlySpan<long> dims, long length)
    {
        var t = new TensorProto { Name = name, DataType = (int)type };
        foreach (var d in dims)
        {
            t.Dims.Add(d);
        }

        Start(t, length);
        return t;
    }

    /// <summary>Appends the next bytes of the tensor begun last.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        _pending -= bytes.Length;
        if (_pending < 0)
        {
            throw new InvalidOperationException("More bytes appended than the tensor declared.");
        }

        _stream.Write(bytes);
    }

    /// <summary>Ends the tensor begun last; every declared byte must have been appended.</summary>
    public void End()
    {
        if (_pending != 0)
        {
            throw new InvalidOperationException($"The tensor is {_pending} bytes short of its declared length.");
        }
    }

    private void Start(TensorProto t, long length)
    {
        End();
        long alignment = length >= (1 << 20) ? 4096 : 64;
        var offset = (_stream.Position + alignment - 1) / alignment * alignment;
        while (_stream.Position < offset)
        {
            _stream.WriteByte(0);
        }

        _pending = length;
        t.DataLocation = TensorProto.Types.DataLocation.External;
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = FileName });
        t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
        t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(CultureInfo.InvariantCulture) });
    }

    /// <summary>Flushes to disk and renames the temp file into place.</summary>
    public void Commit()
    {
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_tempPath, _finalPath, overwrite: true);
        _committed = true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stream.Dispose();
        if (!_committed)
        {
            File.Delete(_tempPath);
        }
    }
}
