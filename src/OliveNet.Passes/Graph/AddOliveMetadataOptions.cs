using System.Text.Json.Nodes;
using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Graph;

/// <summary>Options of <see cref="AddOliveMetadataPass"/>, named as Olive names them.</summary>
public sealed record AddOliveMetadataOptions
{
    /// <summary>The name given to the ONNX graph; required, as in Olive.</summary>
    [Option("The name written as the ONNX graph's name (required, as in Olive).")]
    public string? GraphName { get; init; }

    /// <summary>Extra metadata_props entries.</summary>
    [Option("Key → value pairs added to the model's metadata_props (values written as text; a key already there is overwritten).")]
    public JsonObject CustomMetadata { get; init; } = [];

    /// <summary>Accepted for Olive recipes.</summary>
    [Option("Olive: add the passes applied, the Hugging Face task and the quantization config Olive keeps in its model attributes. OliveNet's model artifacts carry no such attributes (the run's manifest lists the passes), so this adds nothing.")]
    public bool AddOptimizationInfo { get; init; } = true;
}
