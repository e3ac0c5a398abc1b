using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Dynamic;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>
/// Rewrites HardSwish written out as <c>x · Clip(x + 3, 0, 6) / 6</c> (Paddle's exporter does this for every activation of
/// PP-OCR: four float nodes, each a pass over the tensor) into <c>x · HardSigmoid(x; α = 1/6, β = 0.5)</c>, or into one
/// <c>HardSwish</c> node where the model's opset has it (14+). Equal in real arithmetic (x·clip(x+3, 0, 6)/6 =
/// x·clip(x/6 + ½, 0, 1)); float results change by rounding only. In an INT8 model every one of those nodes runs in float
/// between a DequantizeLinear and a QuantizeLinear, so the fewer the better.
/// </summary>
internal static class HardSwishFusion
{
    /// <summary>Fuses every match in the main graph; returns how many.</summary>
    public static int Apply(OnnxModel model, UniqueNames names)
    {
        var graph = model.MainGraph;
        var opset = model.OpsetImports.GetValueOrDefault(string.Empty, 1);
        var outputs = graph.Proto.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var fused = 0;
        foreach (var div in graph.Nodes.Where(n => n is { OpType: "Div", Domain: "" or "ai.onnx" }).ToList())
        {
            if (div.Input.Count != 2 || Scalar(model, graph, div.Input[1]) != 6f
                || graph.Producer(div.Input[0]) is not { OpType: "Mul", Domain: "" or "ai.onnx" } mul || !Single(graph, outputs, mul))
            {
                continue;
            }

            // Mul(x, Clip(Add(x, 3), 0, 6)), in either operand order.
            NodeProto? clip = null;
            string? x = null;
            for (var side = 0; side < 2 && clip is null; side++)
            {
                if (graph.Producer(mul.Input[side]) is { OpType: "Clip", Domain: "" or "ai.onnx" } c && ClipBounds(model, graph, c) == (0f, 6f)
                    && Single(graph, outputs, c) && graph.Producer(c.Input[0]) is { OpType: "Add", Domain: "" or "ai.onnx" } add && Single(graph, outputs, add)
                    && add.Input.Count == 2 && AddOperand(model, graph, add) is { } operand && operand == mul.Input[1 - side])
                {
                    clip = c;
                    x = operand;
                }
            }

            if (clip is null || x is null)
            {
                continue;
            }

            var add3 = graph.Producer(clip.Input[0])!;
            var baseName = div.Name.Length > 0 ? div.Name : div.Output[0];
            graph.Proto.Node.Remove(add3);
            graph.Proto.Node.Remove(clip);
            var at = graph.Proto.Node.IndexOf(mul);
            graph.Proto.Node.Remove(mul);
            graph.Proto.Node.Remove(div);
            if (opset >= 14)
            {
                var hs = new NodeProto { OpType = "HardSwish", Name = names.Take(baseName + "_hardswish") };
                hs.Input.Add(x);
                hs.Output.Add(div.Output[0]);
                graph.Proto.Node.Insert(at, hs);
            }
            else
            {
                var gate = names.Take(baseName + "_hardsigmoid_out");
                var hsig = new NodeProto { OpType = "HardSigmoid", Name = names.Take(baseName + "_hardsigmoid") };
                hsig.Input.Add(x);
                hsig.Output.Add(gate);
                hsig.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = 1f / 6f });
                hsig.Attribute.Add(new AttributeProto { Name = "beta", Type = AttributeProto.Types.AttributeType.Float, F = 0.5f });
                var times = new NodeProto { OpType = "Mul", Name = names.Take(baseName + "_hardswish") };
                times.Input.Add(x);
                times.Input.Add(gate);
                times.Output.Add(div.Output[0]);
                graph.Proto.Node.Insert(at, hsig);
                graph.Proto.Node.Insert(at + 1, times);
            }

            graph.Invalidate();
            foreach (var name in new[] { div.Input[1], add3.Input[0], add3.Input[1] }.Concat(clip.Input.Skip(1)).Where(n => n.Length > 0 && n != x).Distinct(StringComparer.Ordinal))
            {
                ConstantLookup.RemoveIfUnread(graph, name);
            }

            fused++;
        }

        return fused;
    }

    /// <summary>The non-constant operand of <c>Add(x, 3)</c> (either order), or null.</summary>
    private static string? AddOperand(OnnxModel model, GraphView graph, NodeProto add) =>
        Scalar(model, graph, add.Input[1]) == 3f ? add.Input[0] : Scalar(model, graph, add.Input[0]) == 3f ? add.Input[1] : null;

    /// <summary>A node with one output, read by exactly one node and not a graph output.</summary>
    private static bool Single(GraphView graph, HashSet<string> outputs, NodeProto node) =>
        node.Output.Count == 1 && !outputs.Contains(node.Output[0]) && graph.Consumers(node.Output[0]).Count == 1;

    private static (float Min, float Max)? ClipBounds(OnnxModel model, GraphView graph, NodeProto clip)
    {
        if (clip.Input.Count == 1)
        {
            var min = clip.Attribute.FirstOrDefault(a => a.Name == "min")?.F ?? float.MinValue;
            var max = clip.Attribute.FirstOrDefault(a => a.Name == "max")?.F ?? float.MaxValue;
            return (min, max);
        }

        var lo = clip.Input.Count > 1 && clip.Input[1].Length > 0 ? Scalar(model, graph, clip.Input[1]) : float.MinValue;
        var hi = clip.Input.Count > 2 && clip.Input[2].Length > 0 ? Scalar(model, graph, clip.Input[2]) : float.MaxValue;
        return lo is { } l && hi is { } h ? (l, h) : null;
    }

    private static float? Scalar(OnnxModel model, GraphView graph, string name) =>
        ConstantLookup.Find(graph, name) is { } t && (OnnxDataType)t.DataType == OnnxDataType.Float && t.Dims.Aggregate(1L, (a, d) => a * d) == 1
            ? TensorData.Read<float>(t, model.BaseDirectory)[0]
            : null;
}
