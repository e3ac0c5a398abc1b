using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Export.Onnx;

namespace OliveNet.Passes.Quantization.Float16;

/// <summary>
/// Where narrowed tensors go as soon as they exist, so the conversion holds one tensor at a time instead of every float16
/// tensor until the save: a staging data file in the output folder. Tensors from the input's external data that stay as
/// they are (int64, float32 weights of blocked ops) are copied there too, so the model can be re-based onto the output
/// folder; the final save then lays the file out exactly as it lays out in-memory tensors (same order, alignment and
/// inline threshold), and the staging file is deleted.
/// </summary>
internal sealed class Float16Staging : IDisposable
{
    /// <summary>The staging file's name in the output folder.</summary>
    public const string FileName = ".fp16-staging.data";

    private readonly string _folder;
    private readonly ExternalDataWriter _writer;
    private readonly HashSet<TensorProto> _staged = new(ReferenceEqualityComparer.Instance);

    /// <summary>Starts a staging file in <paramref name="folder"/> (created if missing).</summary>
    public Float16Staging(string folder)
    {
        _folder = Directory.CreateDirectory(folder).FullName;
        _writer = new ExternalDataWriter(_folder, FileName);
    }

    /// <summary>
    /// Points <paramref name="tensor"/> (data cleared, type and dims set) at <paramref name="bytes"/> appended to the
    /// staging file; false, leaving it untouched, when the tensor is small enough to stay inline.
    /// </summary>
    public bool Stage(TensorProto tensor, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < ExternalDataWriter.InlineBelow)
        {
            return false;
        }

        var placed = _writer.Tensor(tensor.Name, (OnnxDataType)tensor.DataType, [.. tensor.Dims], bytes);
        tensor.ExternalData.Clear();
        tensor.ExternalData.AddRange(placed.ExternalData);
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        _staged.Add(tensor);
        return true;
    }

    /// <summary>
    /// Copies every external tensor of <paramref name="model"/> not staged yet into the staging file (one at a time), makes
    /// the file final and returns the model re-based onto the output folder, ready for <see cref="OnnxModel.Save"/>.
    /// </summary>
    /// <exception cref="OnnxFormatException">An input data file cannot be read.</exception>
    public OnnxModel Commit(OnnxModel model)
    {
        foreach (var weight in model.Weights())
        {
            var t = weight.Tensor;
            if (!TensorData.IsExternal(t) || _staged.Contains(t))
            {
                continue;
            }

            var bytes = TensorData.ReadRawBytes(t, model.BaseDirectory);
            t.ExternalData.Clear();
            t.ClearDataLocation();
            if (!Stage(t, bytes))
            {
                t.RawData = Google.Protobuf.ByteString.CopyFrom(bytes);
            }
        }

        _writer.Commit();
        return OnnxModel.FromProto(model.Proto, _folder);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _writer.Dispose();
        File.Delete(Path.Combine(_folder, FileName));
    }
}
