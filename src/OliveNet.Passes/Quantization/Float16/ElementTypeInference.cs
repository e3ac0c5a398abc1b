using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Float16;

/// <summary>
/// Element types of every value in a model, from declarations (inputs, outputs, value_info, initializers, Constant
/// nodes) and, where nothing is declared, from a small table of operator rules. Only what the float16 rewrite needs:
/// whether a value is float32. Value names are unique across a model (ONNX forbids shadowing), so one map serves all graphs.
/// </summary>
internal static class ElementTypeInference
{
    private const int Float = (int)OnnxDataType.Float;
    private const int Int64 = (int)OnnxDataType.Int64;
    private const int Bool = (int)OnnxDataType.Bool;

    /// <summary>Name → ONNX element type for every value whose type is declared or follows from the rules; others are absent.</summary>
    public static Dictionary<string, int> Infer(OnnxModel model)
    {
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        InferGraph(model.MainGraph, types);
        return types;
    }

    private static void InferGraph(GraphView graph, Dictionary<string, int> types)
    {
        var g = graph.Proto;
        foreach (var v in g.Input.Concat(g.ValueInfo).Concat(g.Output))
        {
            if (v.Type?.TensorType is { } t && t.ElemType != 0)
            {
                types[v.Name] = t.ElemType;
            }
        }

        foreach (var t in g.Initializer)
        {
            types[t.Name] = t.DataType;
        }

        foreach (var node in graph.TopologicalOrder())
        {
            foreach (var sub in graph.SubgraphsOf(node))
            {
                InferGraph(sub, types);
            }

            var outputs = OutputTypes(node, graph, types);
            for (var i = 0; i < node.Output.Count && i < outputs.Length; i++)
            {
                if (node.Output[i].Length > 0 && outputs[i] != 0)
                {
                    types.TryAdd(node.Output[i], outputs[i]);
                }
            }
        }
    }

    /// <summary>The element type of each output of <paramref name="node"/>; 0 where unknown.</summary>
    private static int[] OutputTypes(NodeProto node, GraphView graph, Dictionary<string, int> types)
    {
        int In(int i) => i < node.Input.Count && types.TryGetValue(node.Input[i], out var t) ? t : 0;
        long? Attr(string name) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : null;
        int[] All(int t) => Enumerable.Repeat(t, node.Output.Count).ToArray();
        int[] FirstThen(int first, int rest) => Enumerable.Range(0, node.Output.Count).Select(i => i == 0 ? first : rest).ToArray();

        if (node.Domain is not ("" or "ai.onnx"))
        {
            return All(In(0));
        }

        switch (node.OpType)
        {
            case "Constant":
                return [ConstantType(node)];
            case "Cast":
                return [(int)(Attr("to") ?? 0)];
            case "CastLike":
                return [In(1)];
            case "ConstantOfShape":
                return [node.Attribute.FirstOrDefault(a => a.Name == "value")?.T?.DataType ?? Float];
            case "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin" or "NonMaxSuppression":
                return All(Int64);
            case "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "And" or "Or" or "Xor" or "Not" or "IsNaN" or "IsInf":
                return All(Bool);
            case "TopK" or "MaxPool" or "Unique":
                return FirstThen(In(0), Int64);
            case "Where":
                return [In(1)];
            case "OneHot":
                return [In(2)];
            case "QuantizeLinear":
                return [node.Input.Count > 2 ? In(2) : (int)OnnxDataType.UInt8];
            case "DequantizeLinear":
                return [In(1)];
            case "DynamicQuantizeLinear":
                return [(int)OnnxDataType.UInt8, Float, (int)OnnxDataType.UInt8];
            case "EyeLike" or "RandomNormalLike" or "RandomUniformLike" or "Bernoulli":
                return [(int)(Attr("dtype") ?? In(0))];
            case "RandomNormal" or "RandomUniform":
                return [(int)(Attr("dtype") ?? Float)];
            case "HannWindow" or "HammingWindow" or "BlackmanWindow" or "MelWeightMatrix":
                return [(int)(Attr("output_datatype") ?? Float)];
            case "If":
                return SubgraphOutputs(graph, node, "then_branch", 0, types);
            case "Loop":
                return SubgraphOutputs(graph, node, "body", 1, types);
            case "Scan":
                return SubgraphOutputs(graph, node, "body", 0, types);
            default:
                return All(In(0));
        }
    }

    private static int[] SubgraphOutputs(GraphView graph, NodeProto node, string attribute, int skip, Dictionary<string, int> types)
    {
        var bodies = graph.SubgraphsOf(node);
        var body = bodies.FirstOrDefault(s => s.Path.EndsWith("." + attribute, StringComparison.Ordinal)) ?? (bodies.Count > 0 ? bodies[0] : null);
        if (body is null)
        {
            return [];
        }

        return body.Proto.Output.Skip(skip).Select(o => types.GetValueOrDefault(o.Name)).ToArray();
    }

    private static int ConstantType(NodeProto node)
    {
        foreach (var a in node.Attribute)
        {
            switch (a.Name)
            {
                case "value" when a.T is not null:
                    return a.T.DataType;
                case "sparse_value" when a.SparseTensor?.Values is not null:
                    return a.SparseTensor.Values.DataType;
                case "value_float" or "value_floats":
                    return Float;
                case "value_int" or "value_ints":
                    return Int64;
                case "value_string" or "value_strings":
                    return (int)OnnxDataType.String;
                default:
                    break;
            }
        }

        return 0;
    }
}
