using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Common;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>
/// Raises a model's ai.onnx opset (9–12) to 11 (DynamicQuantizeLinear) or 13 (per-axis QuantizeLinear/DequantizeLinear).
/// ONNX Runtime's quantizer only rewrites the opset import, which breaks models whose ops changed form (PP-OCR's opset-9
/// Clip has min/max attributes, Clip-11 takes inputs). Here every op whose signature changed on the way is converted:
/// Clip, Pad (11), Slice, TopK (10), Dropout (12) attributes become constant inputs; to 13 also Squeeze, Unsqueeze,
/// Split and ReduceSum; Softmax, LogSoftmax and Hardmax (which changed from "flatten to 2-D at axis" to "along axis") keep
/// their axis when it is the last one and are otherwise wrapped in Flatten→op→Reshape, which is the old meaning exactly.
/// Ops whose semantics changed beyond that (Upsample, Resize-10, Scatter) stop the upgrade.
/// </summary>
internal static partial class OpsetUpgrade
{
    /// <summary>The opset the dynamic pass raises to (DynamicQuantizeLinear).</summary>
    public const long Target = 11;

    /// <summary>The opset where QuantizeLinear/DequantizeLinear take a per-axis <c>axis</c>.</summary>
    public const long PerAxis = 13;

    /// <summary>Converts every graph of <paramref name="model"/> and sets the ai.onnx import to 11; returns the ops converted.</summary>
    /// <exception cref="InvalidOperationException">The model holds an op this upgrade cannot convert (message says which).</exception>
    public static int Apply(OnnxModel model, long from, UniqueNames names) => Apply(model, from, Target, names);

    /// <summary>Converts every graph of <paramref name="model"/> from opset <paramref name="from"/> to <paramref name="to"/> (≤ 13) and sets the ai.onnx import; returns the ops converted.</summary>
    /// <exception cref="InvalidOperationException">The model holds an op this upgrade cannot convert (message says which).</exception>
    public static int Apply(OnnxModel model, long from, long to, UniqueNames names)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(to, PerAxis);
        var graphs = model.AllGraphs().ToList();
        var blocking = graphs.SelectMany(g => g.Nodes)
            .Where(n => n.Domain is "" or "ai.onnx" && Blocks(n.OpType, from, to))
            .Select(n => n.OpType)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (blocking.Count > 0)
        {
            throw new InvalidOperationException(
                $"it holds {string.Join(", ", blocking)}, whose meaning changed by opset {to}, so it cannot be raised from opset {from} automatically");
        }

        var converted = 0;
        foreach (var graph in graphs)
        {
            var ranks = to >= PerAxis && from < PerAxis ? new RankInference(graph) : null;
            foreach (var node in graph.Proto.Node.Where(n => n.Domain is "" or "ai.onnx").ToList())
            {
                converted += node.OpType switch
                {
                    "Clip" when from < 11 && node.Input.Count == 1 => AttributesToInputs(graph, node, names, Clip),
                    "Pad" when from < 11 => AttributesToInputs(graph, node, names, Pad),
                    "Slice" when from < 10 => AttributesToInputs(graph, node, names, Slice),
                    "TopK" when from < 10 => AttributesToInputs(graph, node, names, TopK),
                    "Dropout" when from < 12 && to >= 12 => AttributesToInputs(graph, node, names, Dropout),
                    "Squeeze" or "Unsqueeze" or "ReduceSum" when ranks is not null => AttributesToInputs(graph, node, names, n => Ints(n, "axes")),
                    "Split" when ranks is not null => AttributesToInputs(graph, node, names, n => Ints(n, "split")),
                    "Softmax" or "LogSoftmax" or "Hardmax" when ranks is not null => CoercedAxis(graph, node, names, ranks),
                    _ => 0,
                };
            }

            graph.Invalidate();
        }

        foreach (var import in model.Proto.OpsetImport.Where(o => o.Domain is "" or "ai.onnx"))
        {
            import.Version = to;
        }

        return converted;
    }

    /// <summary>Ops whose meaning changed between <paramref name="from"/> and <paramref name="to"/> beyond a change of form.</summary>
    private static bool Blocks(string op, long from, long to) => op switch
    {
        "Upsample" => to >= 10,
        "Resize" => from < 11 && to >= 11,
        "Scatter" => to >= 11,
        _ => false,
    };

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
