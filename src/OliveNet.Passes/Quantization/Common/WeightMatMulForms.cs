using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Dynamic;

namespace OliveNet.Passes.Quantization.Common;

/// <summary>
/// Rewrites, in one graph, the forms a matrix product with a constant weight takes after ONNX Runtime's fusion into the one
/// form the quantizers read, <c>MatMul(A, B)</c> with B an initializer, keeping the values the graph computes:
/// <list type="bullet">
/// <item><c>com.microsoft.FusedMatMul</c>: transB is folded into a transposed copy of B (exact), transA becomes a Transpose
/// of A (exact), alpha ≠ 1 a Mul of the product by alpha (the same single rounding as the fused kernel's scaling);</item>
/// <item><c>Gemm</c> (when asked): transA/transB as above, then Mul by alpha and Add of C (times beta when beta ≠ 1);</item>
/// <item>a MatMul whose B is a Transpose/Reshape chain over a constant: the chain is folded into a new initializer (a copy
/// of the bytes in another order or shape, exact).</item>
/// </list>
/// The new MatMul keeps the original node's name, so node-name options (<c>nodes_to_exclude</c>, per-node bits) still
/// apply. Source constants and chain nodes nothing reads any more are dropped. Nodes of those forms that cannot be
/// rewritten are reported with the reason.
/// </summary>
internal sealed partial class WeightMatMulForms
{
    private const string MicrosoftDomain = "com.microsoft";

    private readonly OnnxModel _model;
    private readonly GraphView _graph;
    private readonly UniqueNames _names;
    private readonly MatMulFormSelection _selection;
    private readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Source, string Transform), TensorProto> _folded = [];
    private readonly Dictionary<string, string> _origins = new(StringComparer.Ordinal);
    private readonly List<(string OpType, string Reason, string Node)> _skipped = [];
    private readonly HashSet<string> _sources = new(StringComparer.Ordinal);
    private RankInference? _ranks;

    private WeightMatMulForms(OnnxModel model, GraphView graph, UniqueNames names, MatMulFormSelection selection)
    {
        _model = model;
        _graph = graph;
        _names = names;
        _selection = selection;
        foreach (var t in graph.Proto.Initializer)
        {
            _initializers.TryAdd(t.Name, t);
        }
    }

    /// <summary>Rewrites <paramref name="graph"/> in place; returns what became a MatMul and what was left as it was, and why.</summary>
    public static MatMulFormsResult Apply(OnnxModel model, GraphView graph, UniqueNames names, MatMulFormSelection selection)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var forms = new WeightMatMulForms(model, graph, names, selection);
        forms.Run();
        return new MatMulFormsResult(forms._origins, forms._skipped);
    }

    private void Run()
    {
        var rewritten = new List<NodeProto>(_graph.Proto.Node.Count);
        var changed = false;
        foreach (var node in _graph.Proto.Node)
        {
            var replacement = node switch
            {
                { OpType: "MatMul", Domain: "" or "ai.onnx" } when _selection.Selects(node) => FoldMatMulWeight(node),
                { OpType: "FusedMatMul", Domain: MicrosoftDomain } when _selection.Selects(node) => RewriteFusedMatMul(node),
                { OpType: "Gemm", Domain: "" or "ai.onnx" } when _selection.Gemm && _selection.Selects(node) => RewriteGemm(node),
                _ => null,
            };
            if (replacement is null)
            {
                rewritten.Add(node);
                continue;
            }

            rewritten.AddRange(replacement);
            changed = true;
        }

        if (!changed)
        {
            return;
        }

        _graph.Proto.Node.Clear();
        _graph.Proto.Node.AddRange(rewritten);
        _graph.Invalidate();
        RemoveUnread();
    }

    /// <summary>MatMul(A, chain(constant)) → MatMul(A, folded constant); null when B is already a constant or not one at all.</summary>
    private List<NodeProto>? FoldMatMulWeight(NodeProto node)
    {
        if (node.Input.Count != 2 || _graph.Producer(node.Input[1]) is not { Domain: "" or "ai.onnx", OpType: "Transpose" or "Reshape" } ||
            Resolve(node.Input[1]) is not { } weight || !_selection.AcceptsWeight((OnnxDataType)weight.DataType))
        {
            return null;
        }

        var folded = node.Clone();
        folded.Input[1] = weight.Name;
        _origins[BaseName(folded)] = "MatMul";
        return [folded];
    }

    private List<NodeProto>? RewriteFusedMatMul(NodeProto node)
    {
        const string op = "FusedMatMul";
        if (node.Input.Count != 2 || node.Output.Count != 1)
        {
            return Skip(op, node, "it does not have two inputs and one output");
        }

        if (Int(node, "transBatchA") != 0 || Int(node, "transBatchB") != 0)
        {
            return Skip(op, node, "transBatchA/transBatchB move a batch axis, which a MatMul with a constant weight cannot express");
        }

        if (Resolve(node.Input[1]) is not { } weight)
        {
            return Skip(op, node, "its B is not a constant (an activation product stays float)");
        }

        if (!_selection.AcceptsWeight((OnnxDataType)weight.DataType))
        {
            return Skip(op, node, $"its weight is {OnnxDataTypes.Name((OnnxDataType)weight.DataType)}, which this pass does not quantize");
        }

        if (weight.Dims.Count < 2)
        {
            return Skip(op, node, "its weight has fewer than two dimensions");
        }

        var nodes = new List<NodeProto>();
        var a = node.Input[0];
        if (Int(node, "transA") != 0)
        {
            _ranks ??= new RankInference(_graph);
            var rank = _ranks.Rank(a);
            if (rank is not >= 2)
            {
                return Skip(op, node, rank is null ? "transA is set and the rank of A cannot be told from the graph" : "transA is set on an A of rank 1");
            }

            nodes.Add(TransposeLastTwo(a, rank.Value, BaseName(node) + "_transA", out a));
        }

        var b = Int(node, "transB") != 0 ? Transposed(weight, LastTwoSwapped(weight.Dims.Count)) : weight;
        var alpha = Float(node, "alpha", 1f);
        nodes.AddRange(Product(node, a, b, alpha, c: null, beta: 1f));
        _origins[BaseName(node)] = op;
        return nodes;
    }

    private List<NodeProto>? RewriteGemm(NodeProto node)
    {
        const string op = "Gemm";
        if (node.Input.Count is < 2 or > 3 || node.Output.Count != 1)
        {
            return Skip(op, node, "it does not have two or three inputs and one output");
        }

        if (Resolve(node.Input[1]) is not { } weight)
        {
            return Skip(op, node, "its B is not a constant");
        }

        if (!_selection.AcceptsWeight((OnnxDataType)weight.DataType))
        {
            return Skip(op, node, $"its weight is {OnnxDataTypes.Name((OnnxDataType)weight.DataType)}, which this pass does not quantize");
        }

        if (weight.Dims.Count != 2)
        {
            return Skip(op, node, "its weight is not 2-D");
        }

        var nodes = new List<NodeProto>();
        var a = node.Input[0];
        if (Int(node, "transA") != 0)
        {
            nodes.Add(TransposeLastTwo(a, 2, BaseName(node) + "_transA", out a));
        }

        var b = Int(node, "transB") != 0 ? Transposed(weight, [1, 0]) : weight;
        var c = node.Input.Count == 3 && node.Input[2].Length > 0 ? node.Input[2] : null;
        nodes.AddRange(Product(node, a, b, Float(node, "alpha", 1f), c, Float(node, "beta", 1f)));
        _origins[BaseName(node)] = op;
        return nodes;
    }

    /// <summary>MatMul(a, b) named as <paramref name="source"/>, then ·alpha and + beta·c when they change anything, into its output.</summary>
    private IEnumerable<NodeProto> Product(NodeProto source, string a, TensorProto b, float alpha, string? c, float beta)
    {
        var baseName = BaseName(source);
        var output = source.Output[0];
        var withC = c is not null && beta != 0f;
        var type = (OnnxDataType)b.DataType;
        var product = alpha != 1f || withC ? _names.Take(baseName + "_product") : output;
        var matMul = Node("MatMul", baseName, [a, b.Name], [product]);
        yield return matMul;
        if (alpha != 1f)
        {
            var scaled = withC ? _names.Take(baseName + "_scaled") : output;
            yield return Node("Mul", _names.Take(baseName + "_alpha"), [product, Scalar(baseName + "_alpha_value", alpha, type)], [scaled]);
            product = scaled;
        }

        if (withC)
        {
            var bias = c!;
            if (beta != 1f)
            {
                bias = _names.Take(baseName + "_beta_c");
                yield return Node("Mul", _names.Take(baseName + "_beta"), [c!, Scalar(baseName + "_beta_value", beta, type)], [bias]);
            }

            yield return Node("Add", _names.Take(baseName + "_bias"), [product, bias], [output]);
        }
    }

    private NodeProto TransposeLastTwo(string input, int rank, string baseName, out string output)
    {
        output = _names.Take(baseName + "_output");
        var node = Node("Transpose", _names.Take(baseName), [input], [output]);
        var perm = new AttributeProto { Name = "perm", Type = AttributeProto.Types.AttributeType.Ints };
        perm.Ints.AddRange(LastTwoSwapped(rank));
        node.Attribute.Add(perm);
        return node;
    }

    private static long[] LastTwoSwapped(int rank)
    {
        var perm = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        (perm[rank - 2], perm[rank - 1]) = (perm[rank - 1], perm[rank - 2]);
        return perm;
    }

    private List<NodeProto>? Skip(string opType, NodeProto node, string reason)
    {
        _skipped.Add((opType, reason, node.Name.Length > 0 ? node.Name : node.Output[0]));
        return null;
    }

    /// <summary>The node's name, given one first when it has none (the MatMul written for it takes that name).</summary>
    private string BaseName(NodeProto node)
    {
        if (node.Name.Length == 0)
        {
            node.Name = _names.Take($"{node.OpType}_{node.Output[0]}");
        }

        return node.Name;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string[] outputs)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    private static long Int(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? 0;

    private static float Float(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;
}

/// <summary>Which nodes <see cref="WeightMatMulForms"/> may rewrite, and which weight types the calling quantizer takes.</summary>
/// <param name="Selects">Whether a node (by its name and the caller's op-type options) is one the caller would quantize.</param>
/// <param name="Gemm">Whether Gemm nodes are rewritten too (quantizers that have no Gemm form of their own).</param>
/// <param name="AcceptsWeight">The weight element types the caller quantizes.</param>
internal sealed record MatMulFormSelection(Func<NodeProto, bool> Selects, bool Gemm, Func<OnnxDataType, bool> AcceptsWeight);

/// <summary>What <see cref="WeightMatMulForms"/> did in one graph.</summary>
/// <param name="Origins">Name of each MatMul it wrote → the op type it came from (FusedMatMul, Gemm, or MatMul for a folded B).</param>
/// <param name="Skipped">FusedMatMul/Gemm nodes it left as they were: op type, reason, node name.</param>
internal sealed record MatMulFormsResult(IReadOnlyDictionary<string, string> Origins, IReadOnlyList<(string OpType, string Reason, string Node)> Skipped);
