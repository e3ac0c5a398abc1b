using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Common;

/// <summary>
/// Ranks of a graph's values where they follow from declared shapes, constants and the rank rules of common ops, without
/// running the model; null where they do not. Used to decide whether an opset-13 rewrite keeps an op's meaning (e.g. a
/// Softmax whose axis is the last one).
/// </summary>
internal sealed class RankInference
{
    private static readonly HashSet<string> SameAsFirst = new(StringComparer.Ordinal)
    {
        "Relu", "Sigmoid", "Tanh", "Clip", "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Selu", "Softplus", "Softsign",
        "Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Floor", "Ceil", "Round", "Erf", "Sign", "Cast", "Identity",
        "Dropout", "Softmax", "LogSoftmax", "Hardmax", "BatchNormalization", "InstanceNormalization", "LayerNormalization",
        "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpNormalization", "Slice",
        "Pad", "Resize", "Upsample", "Concat", "Tile", "CumSum", "PRelu", "Not", "IsNaN", "DepthToSpace", "SpaceToDepth",
        "LRN", "Split",
    };

    private static readonly HashSet<string> Broadcast = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Equal", "Less", "Greater", "And", "Or", "Xor",
        "Where", "LessOrEqual", "GreaterOrEqual", "Mod",
    };

    /// <summary>com.microsoft ops ONNX Runtime's fusion writes whose output has the rank of their first input.</summary>
    private static readonly HashSet<string> MicrosoftSameAsFirst = new(StringComparer.Ordinal)
    {
        "QuickGelu", "Gelu", "FastGelu", "BiasGelu", "FusedConv", "NhwcConv", "BiasAdd", "SkipLayerNormalization",
        "SkipSimplifiedLayerNormalization", "SimplifiedLayerNormalization", "BiasSplitGelu", "Attention", "MultiHeadAttention",
    };

    private readonly Dictionary<string, int> _ranks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorProto> _constants = new(StringComparer.Ordinal);

    /// <summary>Infers ranks over <paramref name="graph"/> in node order (ONNX graphs are topologically sorted).</summary>
    public RankInference(GraphView graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var p = graph.Proto;
        foreach (var v in p.Input.Concat(p.ValueInfo).Concat(p.Output))
        {
            if (v.Type?.TensorType?.Shape is { } shape)
            {
                _ranks[v.Name] = shape.Dim.Count;
            }
        }

        foreach (var t in p.Initializer)
        {
            _ranks[t.Name] = t.Dims.Count;
            _constants[t.Name] = t;
        }

        foreach (var n in p.Node.Where(n => n is { OpType: "Constant", Domain: "" or "ai.onnx" } && n.Output.Count == 1))
        {
            if (n.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } t)
            {
                _constants[n.Output[0]] = t;
            }
        }

        foreach (var node in p.Node)
        {
            if (node.Output.Count == 0 || _ranks.ContainsKey(node.Output[0]))
            {
                continue;
            }

            if ((node.Domain is "" or "ai.onnx" ? Infer(node) : InferMicrosoft(node)) is { } rank)
            {
                foreach (var output in node.OpType == "Split" ? node.Output : node.Output.Take(1))
                {
                    _ranks[output] = rank;
                }
            }
        }
    }

    /// <summary>The rank of <paramref name="value"/>, or null when it cannot be told statically.</summary>
    public int? Rank(string value) => _ranks.TryGetValue(value, out var r) ? r : null;

    private int? Infer(NodeProto node)
    {
        int? First() => node.Input.Count > 0 ? Rank(node.Input[0]) : null;
        var axes = Ints(node, "axes");
        return node.OpType switch
        {
            "Constant" => node.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } t ? t.Dims.Count : null,
            "Shape" => 1,
            "Flatten" or "Gemm" => 2,
            // The output of a convolution or pooling has the rank of its input; a Conv's weight has the same rank and is
            // usually a constant, so it settles the rank where the input's chain is not known.
            "Conv" or "ConvTranspose" when node.Input.Count > 1 && Rank(node.Input[1]) is { } weightRank => weightRank,
            "Transpose" => Ints(node, "perm")?.Length ?? First(),
            "Reshape" => ConstantLength(node, 1),
            "Expand" => Max(First(), ConstantLength(node, 1)),
            "Squeeze" when axes is not null => First() - axes.Length,
            "Unsqueeze" when axes is not null => First() + axes.Length,
            "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL2" or "ReduceSumSquare"
                when axes is not null => Int(node, "keepdims", 1) == 1 ? First() : First() - axes.Length,
            "MatMul" when Rank(node.Input[0]) is >= 2 and var a && Rank(node.Input[1]) is >= 2 and var b => Math.Max(a, b),
            _ when SameAsFirst.Contains(node.OpType) => First(),
            _ when Broadcast.Contains(node.OpType) => node.Input.Select(Rank).Aggregate((int?)0, Max),
            _ => null,
        };
    }

    private int? InferMicrosoft(NodeProto node) => node switch
    {
        { Domain: "com.microsoft", OpType: "FusedMatMul" } when Rank(node.Input[0]) is >= 2 and var a && Rank(node.Input[1]) is >= 2 and var b => Math.Max(a, b),
        { Domain: "com.microsoft", OpType: "FusedGemm" } => 2,
        { Domain: "com.microsoft" } when MicrosoftSameAsFirst.Contains(node.OpType) && node.Input.Count > 0 => Rank(node.Input[0]),
        _ => null,
    };

    private static int? Max(int? a, int? b) => a is { } x && b is { } y ? Math.Max(x, y) : null;

    /// <summary>The element count of a constant 1-D input (a Reshape/Expand shape), or null.</summary>
    private int? ConstantLength(NodeProto node, int input)
    {
        if (node.Input.Count <= input)
        {
            return null;
        }

        return _constants.GetValueOrDefault(node.Input[input]) is { Dims.Count: 1 } constant ? (int)constant.Dims[0] : null;
    }

    internal static long[]? Ints(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? [.. a.Ints] : null;

    internal static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;
}
