using System.Text.Json.Nodes;
using OliveNet.Onnx;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>Olive's RenameInputs: graph input old_names[i] is renamed new_names[i], with every read of it in every graph; names the model lacks are skipped, as in Olive.</summary>
internal sealed class RenameInputs(JsonObject arguments) : ISurgeon
{
    /// <inheritdoc/>
    public string Apply(OnnxModel model, SurgeryNames names)
    {
        var old = arguments["old_names"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        var renamed = arguments["new_names"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        var g = model.MainGraph.Proto;
        var done = new List<string>();
        for (var i = 0; i < old.Count; i++)
        {
            if (g.Input.FirstOrDefault(v => v.Name == old[i]) is not { } value)
            {
                continue;
            }

            value.Name = renamed[i];
            foreach (var graph in model.AllGraphs())
            {
                foreach (var node in graph.Proto.Node)
                {
                    for (var k = 0; k < node.Input.Count; k++)
                    {
                        if (node.Input[k] == old[i])
                        {
                            node.Input[k] = renamed[i];
                        }
                    }
                }

                foreach (var output in graph.Proto.Output.Where(o => o.Name == old[i]))
                {
                    output.Name = renamed[i];
                }

                graph.Invalidate();
            }

            done.Add($"{old[i]} → {renamed[i]}");
        }

        return done.Count == 0 ? "no input renamed (none of old_names is an input)" : "renamed " + string.Join(", ", done);
    }
}
