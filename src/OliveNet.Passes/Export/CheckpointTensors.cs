using System.Text.Json.Nodes;
using OliveNet.Passes.Export.SafeTensors;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Quantization.WeightOnly.Hub;

namespace OliveNet.Passes.Export;

/// <summary>
/// A checkpoint's tensors as the exporter sees them. In a checkpoint quantized by Rtn/Gptq (or Olive), a quantized
/// module's <c>weight</c> is absent and <c>weight_qweight</c>/<c>weight_scales</c>/<c>weight_qzeros</c> stand in for it:
/// here the <c>weight</c> name still resolves, with its float shape, reads dequantize it (for consumers that need floats,
/// such as the embedding Gather), and <see cref="Prequantized"/> hands out the quantized blocks themselves. A GPTQ or AWQ
/// checkpoint from the Hub (<c>qweight</c>/<c>qzeros</c>/<c>scales</c> per module) is read the same way, its blocks
/// converted to Olive's layout by <see cref="HubPackedReader"/>.
/// </summary>
internal sealed class CheckpointTensors(SafeTensorsCheckpoint checkpoint, QuantizationConfig? quantization, HubQuantizationConfig? hub = null)
{
    private (string Name, PackedWeight Weight)? _last;

    /// <summary>The checkpoint folder.</summary>
    public string Folder => checkpoint.Folder;

    /// <summary>The quantization config of a quantized checkpoint, else null.</summary>
    public QuantizationConfig? Quantization => quantization;

    /// <summary>Opens the tensors of the checkpoint whose config.json is <paramref name="config"/>.</summary>
    /// <exception cref="ExportException">The quantization config is not one OliveNet reads.</exception>
    public static CheckpointTensors Create(SafeTensorsCheckpoint checkpoint, JsonObject config)
    {
        try
        {
            return HubQuantizationConfig.Applies(config)
                ? new CheckpointTensors(checkpoint, null, HubQuantizationConfig.Read(config))
                : new CheckpointTensors(checkpoint, QuantizationConfig.Read(config));
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new ExportException($"{checkpoint.Folder}/config.json: {e.Message}", e);
        }
    }

    /// <summary>Whether <paramref name="name"/> exists, as a float tensor or as a quantized module's weight.</summary>
    public bool Contains(string name)
    {
        return checkpoint.Contains(name) || IsQuantized(name);
    }

    /// <summary>The header entry; for a quantized weight, its float shape in the scales' dtype.</summary>
    public SafeTensorInfo Info(string name)
    {
        if (!IsQuantized(name))
        {
            return checkpoint.Info(name);
        }

        var module = name[..^".weight".Length];
        if (hub is not null)
        {
            var (rows, columns) = HubPackedReader.Shape(checkpoint, module, hub);
            var scaleType = checkpoint.Contains(module + ".scales") ? checkpoint.Info(module + ".scales").DType : "F16";
            return new SafeTensorInfo(name, scaleType, [rows, columns], 0, 0);
        }

        var codes = checkpoint.Info(module + CheckpointPlan.Suffixes[0]);
        var bits = quantization!.Resolve(module).Bits;
        return new SafeTensorInfo(name, checkpoint.Info(module + CheckpointPlan.Suffixes[1]).DType, [codes.Shape[0], codes.Shape[1] * 8 / bits], 0, 0);
    }

    /// <summary>A tensor as float32 (dequantized when quantized).</summary>
    public float[] ReadFloat32(string name)
    {
        return IsQuantized(name) ? Prequantized(name)!.Dequantize() : checkpoint.ReadFloat32(name);
    }

    /// <summary>Rows of a tensor as float32 (dequantized when quantized).</summary>
    public void ReadRowsFloat32(string name, int start, int count, Span<float> destination)
    {
        if (!IsQuantized(name))
        {
            checkpoint.ReadRowsFloat32(name, start, count, destination);
            return;
        }

        var rows = PackedRows.Slice(Prequantized(name)!, start, count);
        rows.Dequantize().CopyTo(destination);
    }

    /// <summary>The quantized blocks of weight <paramref name="name"/> (e.g. <c>model.layers.0.mlp.up_proj.weight</c>), or null when it is float.</summary>
    public PackedWeight? Prequantized(string name)
    {
        if (!IsQuantized(name))
        {
            return null;
        }

        if (_last is { } last && last.Name == name)
        {
            return last.Weight;
        }

        var module = name[..^".weight".Length];
        if (hub is not null)
        {
            var converted = HubPackedReader.Read(checkpoint, module, hub);
            _last = (name, converted);
            return converted;
        }

        var spec = quantization!.Resolve(module);
        var info = Info(name);
        var scales = checkpoint.ReadFloat32(module + CheckpointPlan.Suffixes[1]);
        var zeros = spec.Symmetric ? null : checkpoint.ReadBytes(module + CheckpointPlan.Suffixes[2]);
        if (!spec.Symmetric && !checkpoint.Contains(module + CheckpointPlan.Suffixes[2]))
        {
            throw new ExportException($"{Folder}: {module} is asymmetric in quantization_config but has no {module}{CheckpointPlan.Suffixes[2]}.");
        }

        var weight = new PackedWeight((int)info.Shape[0], (int)info.Shape[1], spec, checkpoint.ReadBytes(module + CheckpointPlan.Suffixes[0]), scales, zeros);
        if (scales.Length != (long)weight.Rows * weight.Groups)
        {
            throw new ExportException(
                $"{Folder}: {module} has {scales.Length} scales; {spec} on [{weight.Rows}, {weight.Columns}] needs {weight.Rows * weight.Groups}. Does quantization_config match the weights?");
        }

        _last = (name, weight);
        return weight;
    }

    private bool IsQuantized(string name) =>
        hub is not null ? name.EndsWith(".weight", StringComparison.Ordinal) && !checkpoint.Contains(name) && HubPackedReader.IsQuantized(checkpoint, name[..^".weight".Length])
        : quantization is not null && name.EndsWith(".weight", StringComparison.Ordinal) && !checkpoint.Contains(name)
        && checkpoint.Contains(name[..^".weight".Length] + CheckpointPlan.Suffixes[0]);
}
