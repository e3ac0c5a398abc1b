using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Fusion.Attention;

/// <summary>
/// Matches the multi-head self-attention of BERT-style exports, walking up and down from a Softmax:
/// <code>
///   X ─┬─ MatMul(Wq) ─ Add(bq) ─ Reshape[B,S,N,H] ─ Transpose(0,2,1,3) ────────────┐
///      ├─ MatMul(Wk) ─ Add(bk) ─ Reshape[B,S,N,H] ─ Transpose(0,2,3,1) ───── MatMul ─ Div|Mul(c) ─ [Add(mask)] ─ Softmax ─┐
///      └─ MatMul(Wv) ─ Add(bv) ─ Reshape[B,S,N,H] ─ Transpose(0,2,1,3) ──────────────────────────────────────── MatMul ─ Transpose(0,2,1,3) ─ Reshape[B,S,N·H]
/// </code>
/// K may also be transposed as (0,2,1,3) then (0,1,3,2). Returns null for anything else; the caller then leaves the
/// graph as it is.
/// </summary>
internal sealed class AttentionMatcher(GraphConstants constants, long opset)
{
    private static readonly long[] HeadsFirst = [0, 2, 1, 3];
    private static readonly long[] KeyTransposed = [0, 2, 3, 1];
    private static readonly long[] LastTwoSwapped = [0, 1, 3, 2];

    private GraphView Graph => constants.Graph;

    /// <summary>The attention subgraph whose Softmax is <paramref name="softmax"/>, or null.</summary>
    public AttentionMatch? Match(NodeProto softmax)
    {
        var core = new List<NodeProto> { softmax };
        var axis = Int(softmax, "axis") ?? (opset >= 13 ? -1 : 1);
        if (axis is not (-1 or 3) || softmax.Input.Count != 1)
        {
            return null;
        }

        var scores = Graph.Producer(softmax.Input[0]);
        AttentionMaskMatch? mask = null;
        if (scores is { OpType: "Add" } maskAdd)
        {
            core.Add(maskAdd);
            (scores, mask) = SplitMaskAdd(maskAdd);
            if (mask is null)
            {
                return null;
            }
        }

        var (qk, scale) = Unscale(scores, core);
        if (qk is not { OpType: "MatMul" })
        {
            return null;
        }

        core.Add(qk);
        var query = Projection(qk.Input[0], HeadsFirst, core);
        var key = KeyProjection(qk.Input[1], core);
        var context = SingleConsumer(softmax.Output[0], "MatMul");
        if (query is null || key is null || context is null || context.Input[0] != softmax.Output[0])
        {
            return null;
        }

        core.Add(context);
        var value = Projection(context.Input[1], HeadsFirst, core);
        var back = SingleConsumer(context.Output[0], "Transpose");
        var merge = back is null ? null : SingleConsumer(back.Output[0], "Reshape");
        if (value is null || back is null || merge is null || !Perm(back, HeadsFirst) || merge.Input[0] != back.Output[0] || !MergesHeads(merge))
        {
            return null;
        }

        core.Add(back);
        core.Add(merge);
        var parts = new[] { query.Value, key.Value, value.Value };
        if (parts.Any(p => p.Input != query.Value.Input || p.Heads != query.Value.Heads || p.HeadSize != query.Value.HeadSize ||
            p.Weight.Dims[0] != query.Value.Weight.Dims[0] || p.Weight.Dims[1] != (long)p.Heads * p.HeadSize))
        {
            return null;
        }

        return new AttentionMatch(
            query.Value.Input,
            parts.Select(p => p.Weight).ToArray(),
            parts.Select(p => p.Bias).ToArray(),
            query.Value.Heads,
            query.Value.HeadSize,
            scale,
            mask,
            merge.Output[0],
            core);
    }

    /// <summary>Add(scores, additive mask) in either order → the scores' producer and the mask.</summary>
    private (NodeProto? Scores, AttentionMaskMatch? Mask) SplitMaskAdd(NodeProto add)
    {
        for (var i = 0; i < 2 && add.Input.Count == 2; i++)
        {
            var mask = new AttentionMaskMatcher(constants).Match(add.Input[1 - i]);
            var scores = Graph.Producer(add.Input[i]);
            if (mask is not null && scores is { OpType: "Div" or "Mul" or "MatMul" })
            {
                return (scores, mask);
            }
        }

        return (null, null);
    }

    /// <summary>Div(QKᵀ, c) → (QKᵀ, 1/c); Mul(QKᵀ, c) → (QKᵀ, c); a bare MatMul → (it, 1).</summary>
    private (NodeProto? QK, float Scale) Unscale(NodeProto? node, List<NodeProto> core)
    {
        if (node is { OpType: "MatMul" })
        {
            return (node, 1f);
        }

        if (node is not { OpType: "Div" or "Mul" } || node.Input.Count != 2)
        {
            return (null, 0f);
        }

        for (var i = 0; i < (node.OpType == "Mul" ? 2 : 1); i++)
        {
            if (constants.Scalar(node.Input[1 - i]) is { } c && c != 0 && float.IsFinite(c))
            {
                core.Add(node);
                return (Graph.Producer(node.Input[i]), node.OpType == "Div" ? 1f / c : c);
            }
        }

        return (null, 0f);
    }

    private Projected? KeyProjection(string name, List<NodeProto> core)
    {
        var transpose = Graph.Producer(name);
        if (transpose is { OpType: "Transpose" } && Perm(transpose, LastTwoSwapped))
        {
            var inner = Projection(transpose.Input[0], HeadsFirst, core);
            if (inner is not null && Graph.Consumers(transpose.Input[0]).Count == 1)
            {
                core.Add(transpose);
                return inner;
            }

            return null;
        }

        return Projection(name, KeyTransposed, core);
    }

    /// <summary>Transpose(perm) ← Reshape[B,S,N,H] ← Add(bias) ← MatMul(X, W).</summary>
    private Projected? Projection(string name, long[] perm, List<NodeProto> core)
    {
        var transpose = Graph.Producer(name);
        var reshape = transpose is { OpType: "Transpose" } && Perm(transpose, perm) ? Graph.Producer(transpose.Input[0]) : null;
        var add = reshape is { OpType: "Reshape" } ? Graph.Producer(reshape.Input[0]) : null;
        var heads = reshape is null ? null : SplitHeads(reshape);
        if (add is not { OpType: "Add" } || add.Input.Count != 2 || heads is null)
        {
            return null;
        }

        for (var i = 0; i < 2; i++)
        {
            var bias = constants.FloatTensor(add.Input[i], 1);
            var matmul = Graph.Producer(add.Input[1 - i]);
            var weight = matmul is { OpType: "MatMul" } ? constants.FloatTensor(matmul.Input[1], 2) : null;
            if (bias is not null && weight is not null && bias.Dims[0] == weight.Dims[1])
            {
                core.AddRange([transpose!, reshape!, add, matmul!]);
                return new Projected(matmul!.Input[0], weight, bias, heads.Value.Heads, heads.Value.HeadSize);
            }
        }

        return null;
    }

    /// <summary>(N, H) of a Reshape to [B, S, N, H]: a constant shape, or a Concat whose last two parts are constants.</summary>
    private (int Heads, int HeadSize)? SplitHeads(NodeProto reshape)
    {
        var shape = ShapeParts(reshape, 4);
        return shape is [.., > 0 and var n, > 0 and var h] ? ((int)n, (int)h) : null;
    }

    /// <summary>A Reshape to rank 3 (the heads merged back into the hidden size).</summary>
    private bool MergesHeads(NodeProto reshape) => ShapeParts(reshape, 3) is not null;

    /// <summary>The target shape of a Reshape with <paramref name="rank"/> entries; computed entries are −2.</summary>
    private long[]? ShapeParts(NodeProto reshape, int rank)
    {
        if (reshape.Input.Count != 2 || Int(reshape, "allowzero") == 1)
        {
            return null;
        }

        if (constants.Integers(reshape.Input[1]) is { } fixedShape)
        {
            return fixedShape.Length == rank ? fixedShape : null;
        }

        var concat = Graph.Producer(reshape.Input[1]);
        if (concat is not { OpType: "Concat" } || concat.Input.Count != rank)
        {
            return null;
        }

        return concat.Input.Select(i => constants.Integers(i) is [var v] ? v : -2).ToArray();
    }

    /// <summary>
    /// The one consumer of <paramref name="value"/> of type <paramref name="opType"/>; other consumers may only be Shape
    /// nodes (exports read shapes to build the Reshape targets; whether those die with the pattern is checked later).
    /// </summary>
    private NodeProto? SingleConsumer(string value, string opType)
    {
        var consumers = Graph.Consumers(value).Where(c => c.OpType != "Shape").ToList();
        return consumers.Count == 1 && consumers[0].OpType == opType && consumers[0].Domain is "" or "ai.onnx" &&
            !Graph.Proto.Output.Any(o => o.Name == value)
            ? consumers[0]
            : null;
    }

    private static bool Perm(NodeProto transpose, long[] perm) =>
        transpose.Attribute.FirstOrDefault(a => a.Name == "perm") is { } p && p.Ints.SequenceEqual(perm);

    private static long? Int(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : null;

    /// <summary>One of Q, K, V: the projected input, its weight and bias, and the head split.</summary>
    private readonly record struct Projected(string Input, TensorProto Weight, TensorProto Bias, int Heads, int HeadSize);
}
