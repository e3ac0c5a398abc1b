using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>
/// Raises ai.onnx opset 9 or 10 to 11, the first with DynamicQuantizeLinear. ONNX Runtime's quantizer only rewrites the
/// opset import, which breaks models whose ops changed form (PP-OCR's opset-9 Clip has min/max attributes, Clip-11 takes
/// inputs). Here the ops that changed between 9 and 11 are converted: Clip, Slice, Pad and TopK attributes become
/// constant inputs. Ops whose semantics changed beyond that (Upsample, Resize-10, Scatter) stop the upgrade.
/// </summary>
internal static class OpsetUpgrade
{
    /// <summary>The opset this upgrade produces.</summary>
    public const long Target = 11;

    private static readonly string[] Unconvertible = ["Upsample", "Resize", "Scatter"];

    /// <summary>Converts every graph of <paramref name="model"/> and sets the ai.onnx import to 11; returns the ops converted.</summary>
    /// <exception cref="InvalidOperationException">The model holds an op this upgrade cannot convert (message says which).</exception>
    public static int Apply(OnnxModel model, long from, UniqueNames names)
    {
        var graphs = model.AllGraphs().ToList();
        var blocking = graphs.SelectMany(g => g.Nodes)
            .Where(n => n.Domain is "" or "ai.onnx" && Unconvertible.Contains(n.OpType))
            .Select(n => n.OpType)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (blocking.Count > 0)
        {
            throw new InvalidOperationException(
                $"it holds {string.Join(", ", blocking)}, whose meaning changed by opset 11, so it cannot be raised from opset {from} automatically");
        }

        var converted = 0;
        foreach (var graph in graphs)
        {
            foreach (var node in graph.Proto.Node.Where(n => n.Domain is "" or "ai.onnx"))
            {
                converted += (node.OpType, from) switch
                {
                    ("Clip", _) => AttributesToInputs(graph, node, names, Clip),
                    ("Pad", _) => AttributesToInputs(graph, node, names, Pad),
                    ("Slice", 9) => AttributesToInputs(graph, node, names, Slice),
                    ("TopK", 9) => AttributesToInputs(graph, node, names, TopK),
                    _ => 0,
                };
            }

            graph.Invalidate();
        }

        foreach (var import in model.Proto.OpsetImport.Where(o => o.Domain is "" or "ai.onnx"))
        {
            import.Version = Target;
        }

        return converted;
    }

    private static int AttributesToInputs(GraphView graph, NodeProto node, UniqueNames names, Func<NodeProto, IReadOnlyList<TensorProto?>> convert)
    {
        var inputs = convert(node);
        if (inputs.Count == 0)
        {
            return 0;
        }

        var baseName = node.Name.Length > 0 ? node.Name : node.Output[0];
        foreach (var tensor in inputs)
        {
            if (tensor is null)
            {
                node.Input.Add(string.Empty);
                continue;
            }

            tensor.Name = names.Take($"{baseName}_{tensor.Name}");
            graph.Proto.Initializer.Add(tensor);
            node.Input.Add(tensor.Name);
        }

        // Trailing empty optional inputs say nothing.
        while (node.Input.Count > 0 && node.Input[^1].Length == 0)
        {
            node.Input.RemoveAt(node.Input.Count - 1);
        }

        return 1;
    }

    private static IReadOnlyList<TensorProto?> Clip(NodeProto node)
    {
        var min = Take(node, "min");
        var max = Take(node, "max");
        return node.Input.Count != 1 ? [] :
        [
            min is null ? null : TensorData.Create<float>("min", [min.F], []),
            max is null ? null : TensorData.Create<float>("max", [max.F], []),
        ];
    }

    private static IReadOnlyList<TensorProto?> Pad(NodeProto node)
    {
        var pads = Take(node, "pads");
        var value = Take(node, "value");
        return pads is null ? [] :
        [
            TensorData.Create<long>("pads", pads.Ints.ToArray(), [pads.Ints.Count]),
            TensorData.Create<float>("constant_value", [value?.F ?? 0f], []),
        ];
    }

    private static IReadOnlyList<TensorProto?> Slice(NodeProto node)
    {
        var starts = Take(node, "starts");
        var ends = Take(node, "ends");
        var axes = Take(node, "axes");
        return starts is null || ends is null ? [] :
        [
            TensorData.Create<long>("starts", starts.Ints.ToArray(), [starts.Ints.Count]),
            TensorData.Create<long>("ends", ends.Ints.ToArray(), [ends.Ints.Count]),
            axes is null ? null : TensorData.Create<long>("axes", axes.Ints.ToArray(), [axes.Ints.Count]),
        ];
    }

    private static IReadOnlyList<TensorProto?> TopK(NodeProto node)
    {
        var k = Take(node, "k");
        return k is null ? [] : [TensorData.Create<long>("k", [k.I], [1])];
    }

    /// <summary>Removes and returns the attribute <paramref name="name"/>, or null.</summary>
    private static AttributeProto? Take(NodeProto node, string name)
    {
        var a = node.Attribute.FirstOrDefault(x => x.Name == name);
        if (a is not null)
        {
            node.Attribute.Remove(a);
        }

        return a;
    }
}
