using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Fusion.Attention;

/// <summary>
/// Matches BERT's additive attention mask, <c>Mul(Sub(1, Cast(Unsqueeze(mask, [1, 2]))), filter)</c> with the Unsqueezes
/// and the Cast in any order, back to the 2-D mask it is built from. Attention takes that mask directly (int32, 1 keep,
/// 0 drop) and adds <c>mask_filter_value</c> to the scores of dropped keys, which is the same sum for a 0/1 mask.
/// </summary>
internal sealed class AttentionMaskMatcher(GraphConstants constants)
{
    private GraphView Graph => constants.Graph;

    /// <summary>The mask behind the additive term <paramref name="value"/>, or null when it is not that pattern.</summary>
    public AttentionMaskMatch? Match(string value)
    {
        var mul = Graph.Producer(value);
        if (mul is not { OpType: "Mul" } || mul.Input.Count != 2)
        {
            return null;
        }

        for (var i = 0; i < 2; i++)
        {
            var sub = Graph.Producer(mul.Input[i]);
            if (constants.Scalar(mul.Input[1 - i]) is { } filter && sub is { OpType: "Sub" } && sub.Input.Count == 2 &&
                constants.Scalar(sub.Input[0]) == 1f && Source(sub.Input[1]) is { } source)
            {
                return new AttentionMaskMatch(source.Name, source.Type, filter);
            }
        }

        return null;
    }

    /// <summary>Walks Cast and Unsqueeze nodes up to the 2-D mask; the Unsqueezes must add exactly axes 1 and 2.</summary>
    private (string Name, int Type)? Source(string value)
    {
        var added = new List<long>();
        var name = value;
        var castToFloat = false;
        for (var producer = Graph.Producer(name); producer is { OpType: "Cast" or "Unsqueeze" }; producer = Graph.Producer(name))
        {
            if (producer.OpType == "Cast")
            {
                castToFloat |= producer.Attribute.FirstOrDefault(a => a.Name == "to")?.I == (long)OnnxDataType.Float;
            }
            else if (UnsqueezeAxes(producer) is { } axes)
            {
                // Earlier (upstream) Unsqueezes act first; axes refer to the rank at that point, so collect in order.
                added.InsertRange(0, axes);
            }
            else
            {
                return null;
            }

            name = producer.Input[0];
        }

        if (!castToFloat && ElementType(name) != (int)OnnxDataType.Float)
        {
            return null;
        }

        return AddsAxesOneAndTwo(added) ? (name, ElementType(name) ?? 0) : null;
    }

    private long[]? UnsqueezeAxes(NodeProto unsqueeze) =>
        unsqueeze.Input.Count > 1
            ? constants.Integers(unsqueeze.Input[1])
            : unsqueeze.Attribute.FirstOrDefault(a => a.Name == "axes")?.Ints.ToArray();

    /// <summary>Whether the Unsqueezes, applied in order to a rank-2 tensor, give [B, 1, 1, T].</summary>
    private static bool AddsAxesOneAndTwo(List<long> axesInOrder)
    {
        // Track which output positions hold the original two dims: start with [d0, d1].
        var layout = new List<bool> { true, true };
        foreach (var axis in axesInOrder)
        {
            var position = axis < 0 ? axis + layout.Count + 1 : axis;
            if (position < 0 || position > layout.Count)
            {
                return false;
            }

            layout.Insert((int)position, false);
        }

        return layout.SequenceEqual([true, false, false, true]);
    }

    /// <summary>Element type of a graph input or a value with a value_info, or null when not declared.</summary>
    private int? ElementType(string name)
    {
        var info = Graph.Proto.Input.Concat(Graph.Proto.ValueInfo).FirstOrDefault(v => v.Name == name);
        return info?.Type?.TensorType?.ElemType;
    }
}
