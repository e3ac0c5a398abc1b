using System.Text.Json;
using System.Text.Json.Nodes;
using OliveNet.Engine;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Graph;

/// <summary>
/// Olive's AddOliveMetadata: sets the graph name and writes Olive's metadata keys into the model's metadata_props —
/// the recipe's custom_metadata, <c>olive_version</c> (here <c>olivenet &lt;version&gt;</c>, the tool that wrote the model)
/// and <c>model_hash</c> (the input artifact's content id) — overwriting keys already there. The graph itself and its
/// weights are unchanged; files beside the model are carried over.
/// </summary>
public sealed class AddOliveMetadataPass : IPass<AddOliveMetadataOptions>
{
    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "AddOliveMetadata",
        Version: 1,
        Summary: "Set the ONNX graph name and write Olive's metadata keys (custom entries, olive_version, model_hash) into metadata_props.",
        Devices: [],
        ExecutionProviders: [],
        Precisions: [],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true);

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(AddOliveMetadataOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.GraphName) ? ["graph_name: is required: the name to give the ONNX graph (Olive requires it too)."] : [];
    }

    /// <inheritdoc/>
    public void Run(PassContext context, AddOliveMetadataOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var model = OnnxModel.Load(context.Input.ModelPath);
        var entries = Entries(options, context.Input.Id);
        foreach (var (key, value) in entries)
        {
            var existing = model.Proto.MetadataProps.FirstOrDefault(p => p.Key == key);
            if (existing is null)
            {
                model.Proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
            }
            else
            {
                existing.Value = value;
            }
        }

        model.Proto.Graph.Name = options.GraphName!;
        CompanionFiles.Copy(context, model);
        model.Save(context.OutputModelPath, new OnnxSaveOptions { ExternalData = ExternalDataMode.Preserve });
        context.Log.WriteLine($"AddOliveMetadata: graph '{options.GraphName}', metadata {string.Join(", ", entries.Select(e => e.Key))}.");
    }

    /// <summary>The entries to write, in order: custom ones, then olive_version and model_hash (Olive's order).</summary>
    internal static List<(string Key, string Value)> Entries(AddOliveMetadataOptions options, string inputId)
    {
        var entries = options.CustomMetadata.Select(kv => (kv.Key, Text(kv.Value))).ToList();
        entries.Add(("olive_version", $"olivenet {EngineInfo.Version}"));
        entries.Add(("model_hash", inputId));
        return entries;
    }

    /// <summary>A value as Python's <c>str()</c> writes it, which is what Olive stores: strings bare, True/False, None.</summary>
    private static string Text(JsonNode? value) => value switch
    {
        null => "None",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.True => "True",
        JsonValue v when v.GetValueKind() == JsonValueKind.False => "False",
        _ => value.ToJsonString(),
    };
}
