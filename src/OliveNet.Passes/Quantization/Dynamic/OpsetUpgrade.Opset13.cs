using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Common;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>The conversions for opsets 12 and 13.</summary>
internal static partial class OpsetUpgrade
{
    /// <summary>An int64 list attribute (axes, split) as a 1-D input; none when the attribute is absent.</summary>
    private static IReadOnlyList<TensorProto?> Ints(NodeProto node, string name)
    {
        var a = Take(node, name);
        return a is null ? [] : [TensorData.Create<long>(name, a.Ints.ToArray(), [a.Ints.Count])];
    }

    /// <summary>Dropout-12 takes the ratio as an input (its default 0.5 is also the old attribute's).</summary>
    private static IReadOnlyList<TensorProto?> Dropout(NodeProto node)
    {
        var ratio = Take(node, "ratio");
        return ratio is null || node.Input.Count != 1 ? [] : [TensorData.Create<float>("ratio", [ratio.F], [])];
    }

    /// <summary>
    /// Softmax/LogSoftmax/Hardmax before 13 flatten the input to 2-D at <c>axis</c> (default 1) and normalise each row; from
    /// 13 they normalise along <c>axis</c> (default −1). The two agree when <c>axis</c> is the last axis; otherwise the node
    /// becomes Flatten(axis) → op(axis −1) → Reshape(Shape(x)), the old computation spelled out.
    /// </summary>
    private static int CoercedAxis(GraphView graph, NodeProto node, UniqueNames names, RankInference ranks)
    {
        var attribute = node.Attribute.FirstOrDefault(a => a.Name == "axis");
        var axis = attribute?.I ?? 1;
        var rank = ranks.Rank(node.Input[0]);
        if (rank is { } r && (axis == r - 1 || axis == -1))
        {
            SetAxis(node, -1);
            return 1;
        }

        var baseName = node.Name.Length > 0 ? node.Name : node.Output[0];
        var input = node.Input[0];
        var output = node.Output[0];
        var flat = names.Take($"{baseName}_flattened");
        var shape = names.Take($"{baseName}_input_shape");
        var normalized = names.Take($"{baseName}_2d");
        var flatten = NewNode("Flatten", names.Take($"{baseName}_Flatten"), [input], [flat]);
        flatten.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = axis });
        var shapeOf = NewNode("Shape", names.Take($"{baseName}_Shape"), [input], [shape]);
        var reshape = NewNode("Reshape", names.Take($"{baseName}_Reshape"), [normalized, shape], [output]);
        node.Input[0] = flat;
        node.Output[0] = normalized;
        SetAxis(node, -1);
        var list = graph.Proto.Node;
        var at = list.IndexOf(node);
        list.Insert(at + 1, reshape);
        list.Insert(at, shapeOf);
        list.Insert(at, flatten);
        return 1;
    }

    private static void SetAxis(NodeProto node, long axis)
    {
        Take(node, "axis");
        node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = axis });
    }

    private static NodeProto NewNode(string op, string name, string[] inputs, string[] outputs)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }
}
