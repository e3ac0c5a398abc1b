using System.Text.Json.Nodes;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>
/// Olive's RenameInputDims (input by input_name, else input_idx) and RenameOutputDims (output_idx): dimension
/// dim_idx of that graph input or output becomes the symbolic dimension dim_name (a fixed size becomes dynamic).
/// </summary>
internal sealed class RenameDims(bool input, JsonObject arguments) : ISurgeon
{
    /// <inheritdoc/>
    public string Apply(OnnxModel model, SurgeryNames names)
    {
        var g = model.MainGraph.Proto;
        var surgeon = input ? "RenameInputDims" : "RenameOutputDims";
        var values = input ? g.Input.Where(i => g.Initializer.All(t => t.Name != i.Name)).ToList() : g.Output.ToList();
        ValueInfoProto target;
        if (input && arguments["input_name"]?.GetValue<string>() is { } name)
        {
            target = values.FirstOrDefault(v => v.Name == name)
                ?? throw new PassFailedException($"{surgeon}: input '{name}' is not an input of the model; its inputs are {string.Join(", ", values.Select(v => v.Name))}.");
        }
        else
        {
            var index = (arguments[input ? "input_idx" : "output_idx"] ?? 0).GetValue<int>();
            target = index >= 0 && index < values.Count ? values[index]
                : throw new PassFailedException($"{surgeon}: {(input ? "input_idx" : "output_idx")} {index} is out of range; the model has {values.Count} {(input ? "inputs" : "outputs")}.");
        }

        var dims = target.Type?.TensorType?.Shape?.Dim
            ?? throw new PassFailedException($"{surgeon}: '{target.Name}' has no shape information; cannot rename its dimensions.");
        var dimIndex = arguments["dim_idx"]!.GetValue<int>();
        if (dimIndex < 0 || dimIndex >= dims.Count)
        {
            throw new PassFailedException($"{surgeon}: dim_idx {dimIndex} is out of range; '{target.Name}' has {dims.Count} dimensions.");
        }

        var dimName = arguments["dim_name"]!.GetValue<string>();
        var old = dims[dimIndex].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? dims[dimIndex].DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : dims[dimIndex].DimParam;
        dims[dimIndex] = new TensorShapeProto.Types.Dimension { DimParam = dimName };
        return $"'{target.Name}' dimension {dimIndex}: {(old.Length > 0 ? old : "unnamed")} → {dimName}";
    }
}
