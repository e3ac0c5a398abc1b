using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Graph.Peephole;

/// <summary>Removes nodes that pass their input through unchanged: Identity, and Dropout in inference mode.</summary>
internal static class Bypass
{
    /// <summary>Removes every Identity node it can; returns how many.</summary>
    public static int RemoveIdentities(GraphView graph)
    {
        var removed = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            if (GraphNames.IsOnnx(node, "Identity") && node.Input.Count == 1 && node.Output.Count == 1 &&
                node.Input[0].Length > 0 && Remove(graph, node, node.Input[0], node.Output[0]))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>
    /// Removes Dropout nodes that cannot be in training mode (no or constant-false <c>training_mode</c>; <c>is_test</c>
    /// set before opset 7) and whose mask output is unused; returns how many.
    /// </summary>
    public static int RemoveDropouts(GraphView graph, long onnxOpset, string? baseDirectory)
    {
        var removed = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            if (!GraphNames.IsOnnx(node, "Dropout") || node.Input.Count == 0 || node.Input[0].Length == 0 || node.Output.Count == 0)
            {
                continue;
            }

            if (IsInference(graph, node, onnxOpset, baseDirectory) && !MaskUsed(graph, node) &&
                Remove(graph, node, node.Input[0], node.Output[0]))
            {
                removed++;
            }
        }

        return removed;
    }

    private static bool IsInference(GraphView graph, NodeProto node, long onnxOpset, string? baseDirectory)
    {
        if (onnxOpset < 7)
        {
            // Before opset 7, is_test defaults to 0: training mode, which drops values.
            return node.Attribute.Any(a => a.Name == "is_test" && a.I != 0);
        }

        if (node.Input.Count < 3 || node.Input[2].Length == 0)
        {
            return true;
        }

        var mode = GraphNames.Constant(graph, node.Input[2]);
        return mode is not null && (OnnxDataType)mode.DataType == OnnxDataType.Bool &&
               TensorData.Read<bool>(mode, baseDirectory).All(b => !b);
    }

    private static bool MaskUsed(GraphView graph, NodeProto node)
    {
        if (node.Output.Count < 2 || node.Output[1].Length == 0)
        {
            return false;
        }

        var mask = node.Output[1];
        return graph.Consumers(mask).Count > 0 || graph.Proto.Output.Any(o => o.Name == mask);
    }

    /// <summary>
    /// Removes <paramref name="node"/>, which outputs <paramref name="input"/> unchanged as <paramref name="output"/>.
    /// Readers of the output read the input instead. When the output is a graph output its name must survive, so the
    /// input's producer is renamed to it instead; that is impossible (and the node stays) when the input is a graph input,
    /// initializer, outer-scope value or another graph output.
    /// </summary>
    private static bool Remove(GraphView graph, NodeProto node, string input, string output)
    {
        var proto = graph.Proto;
        if (!proto.Output.Any(o => o.Name == output))
        {
            proto.Node.Remove(node);
            GraphNames.ReplaceUses(proto, output, input);
            graph.Invalidate();
            return true;
        }

        var producer = graph.Producer(input);
        if (producer is null || proto.Output.Any(o => o.Name == input))
        {
            return false;
        }

        proto.Node.Remove(node);
        for (var i = 0; i < producer.Output.Count; i++)
        {
            if (producer.Output[i] == input)
            {
                producer.Output[i] = output;
            }
        }

        GraphNames.ReplaceUses(proto, input, output);
        graph.Invalidate();
        return true;
    }
}
