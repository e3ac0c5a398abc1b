using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Common;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>
/// Rewrites one loaded model in place the way ONNX Runtime's <c>quantize_dynamic</c> (IntegerOps) does: each selected
/// MatMul/Conv gets its float input quantized at run time by DynamicQuantizeLinear, its constant weight stored as
/// int8/uint8 with scale and zero point, an integer op, a Cast to float and a Mul by the product of the two scales.
/// Weights are read one at a time; float originals nobody reads any more are dropped.
/// </summary>
internal sealed partial class DynamicQuantizer
{
    private const string WeightLayoutTensor = "tensor";
    private const string MicrosoftDomain = "com.microsoft";

    private readonly OnnxModel _model;
    private readonly DynamicQuantizationSettings _settings;
    private readonly UniqueNames _names;
    private readonly CancellationToken _cancellation;
    private readonly Dictionary<(GraphProto Graph, string Name, string Layout), WeightNames> _weights = [];
    private readonly List<(GraphView Graph, string Name)> _replacedWeights = [];
    private readonly QuantizationTally _tally = new();
    private readonly Dictionary<string, string> _origins = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, List<string>> _notes = new(StringComparer.Ordinal);

    public DynamicQuantizer(OnnxModel model, DynamicQuantizationSettings settings, CancellationToken cancellation)
    {
        _model = model;
        _settings = settings;
        _names = new UniqueNames(model);
        _cancellation = cancellation;
    }

    /// <summary>MatMuls rewritten.</summary>
    public int MatMuls { get; private set; }

    /// <summary>Convs rewritten.</summary>
    public int Convs { get; private set; }

    /// <summary>Nodes quantized per op type (of the input model) and nodes of a selected type left in float, by reason.</summary>
    public QuantizationTally Tally => _tally;

    /// <summary>Quantizes the main graph, and every subgraph when enabled.</summary>
    public void Run()
    {
        var graphs = _settings.EnableSubgraph ? _model.AllGraphs().ToList() : [_model.MainGraph];
        foreach (var graph in graphs)
        {
            QuantizeGraph(graph);
        }

        RemoveUnreadWeights();
    }

    private void QuantizeGraph(GraphView graph)
    {
        // FusedMatMul (and Gemm when listed) with a constant B, and MatMuls whose B is a Transpose/Reshape of a constant,
        // become MatMul(A, constant) first: the one form this quantizer rewrites.
        var forms = WeightMatMulForms.Apply(_model, graph, _names, new MatMulFormSelection(
            n => _settings.Selects(n.Name) && (n.OpType == "Gemm" ? _settings.QuantizeGemm : _settings.QuantizeMatMul),
            _settings.QuantizeGemm,
            type => type == OnnxDataType.Float));
        _tally.Add(forms);
        foreach (var (name, origin) in forms.Origins)
        {
            _origins[name] = origin;
        }

        var rewritten = new List<NodeProto>(graph.Proto.Node.Count);
        var changed = false;
        foreach (var node in graph.Proto.Node)
        {
            _cancellation.ThrowIfCancellationRequested();
            var replacement = node.Domain is "" or "ai.onnx" ? Rewrite(graph, node)
                : node is { Domain: MicrosoftDomain, OpType: "Attention" } && _settings.QuantizeAttention && _settings.Selects(node.Name) ? RewriteAttention(graph, node)
                : null;
            if (replacement is null)
            {
                rewritten.Add(node);
                continue;
            }

            rewritten.AddRange(replacement);
            _tally.Count(Origin(node));
            changed = true;
        }

        if (changed)
        {
            graph.Proto.Node.Clear();
            graph.Proto.Node.AddRange(rewritten);
            graph.Invalidate();
        }
    }

    private List<NodeProto>? Rewrite(GraphView graph, NodeProto node)
    {
        var selected = node.OpType switch
        {
            "MatMul" => _settings.QuantizeMatMul,
            "Conv" => _settings.QuantizeConv,
            "LSTM" => _settings.QuantizeLstm,
            _ => false,
        };
        if (!selected || !_settings.Selects(node.Name))
        {
            return null;
        }

        return node.OpType switch
        {
            "MatMul" => RewriteMatMul(graph, node),
            "Conv" => RewriteConv(graph, node),
            _ => RewriteLstm(graph, node),
        };
    }

    private void Skip(NodeProto node, string reason) => _tally.Skip(Origin(node), reason, BaseName(node));

    /// <summary>The op type the node had in the input model (a MatMul written for a FusedMatMul or Gemm counts as that).</summary>
    private string Origin(NodeProto node) => _origins.GetValueOrDefault(node.Name, node.OpType);

    /// <summary>Nodes quantized with a caveat, by note.</summary>
    public IReadOnlyDictionary<string, List<string>> Notes => _notes;

    private void Note(NodeProto node, string note)
    {
        if (!_notes.TryGetValue(note, out var list))
        {
            _notes[note] = list = [];
        }

        list.Add(BaseName(node));
    }

    private static string BaseName(NodeProto node) => node.Name.Length > 0 ? node.Name : $"{node.OpType}_{node.Output[0]}";

    /// <summary>
    /// The constant float tensor named <paramref name="name"/> as seen from <paramref name="graph"/>: an initializer or a
    /// Constant node's <c>value</c> there, else in an enclosing graph when the name is not defined locally.
    /// </summary>
    private static (TensorProto Tensor, GraphView Owner)? FindConstant(GraphView graph, string name)
    {
        for (var g = graph; g is not null; g = g.Parent)
        {
            var init = g.Proto.Initializer.FirstOrDefault(t => t.Name == name);
            if (init is not null)
            {
                return (init, g);
            }

            if (g.Proto.Input.Any(i => i.Name == name))
            {
                return null;
            }

            var producer = g.Producer(name);
            if (producer is not null)
            {
                var value = producer.OpType == "Constant" && producer.Domain is "" or "ai.onnx"
                    ? producer.Attribute.FirstOrDefault(a => a.Name == "value")?.T
                    : null;
                return value is null ? null : (value, g);
            }
        }

        return null;
    }

    /// <summary>
    /// Quantized tensors for one weight in one layout, created on first use and shared by every node that reads it.
    /// <paramref name="axis"/> is the channel axis or −1; <paramref name="scaleDims"/> the stored shape of the scale.
    /// </summary>
    private WeightNames QuantizeWeight(GraphView owner, TensorProto weight, int axis, long[] scaleDims, string layout, bool scalarZeroPoint = false)
    {
        var key = (owner.Proto, weight.Name, layout);
        if (_weights.TryGetValue(key, out var names))
        {
            return names;
        }

        var data = TensorData.Read<float>(weight, _model.BaseDirectory);
        var q = WeightQuantizer.Quantize(data, weight.Dims, axis, _settings.WeightType, _settings.WeightSymmetric, _settings.ReduceRange);
        names = new WeightNames(_names.Take(weight.Name + "_quantized"), _names.Take(weight.Name + "_scale"), _names.Take(weight.Name + "_zero_point"));
        var zeroPoints = scalarZeroPoint ? [q.ZeroPoints.Distinct().Single()] : q.ZeroPoints;
        var zpDims = axis < 0 || scalarZeroPoint ? Array.Empty<long>() : [q.ZeroPoints.Length];
        var type = QuantMath.DataType(_settings.WeightType);
        owner.Proto.Initializer.Add(Raw(names.Quantized, type, weight.Dims.ToArray(), q.Values));
        owner.Proto.Initializer.Add(TensorData.Create<float>(names.Scale, q.Scales, scaleDims));
        owner.Proto.Initializer.Add(Raw(names.ZeroPoint, type, zpDims, zeroPoints.Select(z => unchecked((byte)z)).ToArray()));
        _weights[key] = names;
        _replacedWeights.Add((owner, weight.Name));
        return names;
    }

    private static TensorProto Raw(string name, OnnxDataType type, long[] dims, byte[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(values) };
        t.Dims.AddRange(dims);
        return t;
    }

    /// <summary>DynamicQuantizeLinear of <paramref name="input"/>: returns the node and its (quantized, scale, zero point) outputs.</summary>
    private (NodeProto Node, string Quantized, string Scale, string ZeroPoint) DynamicQuantize(string input, string prefix)
    {
        var q = _names.Take(prefix + "_quantized");
        var s = _names.Take(prefix + "_scale");
        var zp = _names.Take(prefix + "_zero_point");
        return (Node("DynamicQuantizeLinear", _names.Take(prefix + "_quant"), [input], [q, s, zp]), q, s, zp);
    }

    /// <summary>Cast(int32 → float) then Mul by <c>Mul(input scale, weight scale)</c>, into <paramref name="output"/>.</summary>
    private IEnumerable<NodeProto> Rescale(string baseName, string integerOutput, string inputScale, string weightScale, string output)
    {
        var scales = _names.Take(baseName + "_scales");
        var cast = _names.Take(integerOutput + "_cast_output");
        yield return Node("Mul", _names.Take(baseName + "_scales_mul"), [inputScale, weightScale], [scales]);
        var castNode = Node("Cast", _names.Take(integerOutput + "_cast"), [integerOutput], [cast]);
        castNode.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)OnnxDataType.Float });
        yield return castNode;
        yield return Node("Mul", _names.Take(baseName + "_output_scale_mul"), [cast, scales], [output]);
    }

    private static NodeProto Node(string op, string name, string[] inputs, string[] outputs)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    /// <summary>Drops float weights whose every reader was quantized: the initializer (and its graph input) or the Constant node.</summary>
    private void RemoveUnreadWeights()
    {
        foreach (var (graph, name) in _replacedWeights)
        {
            graph.Invalidate();
            if (graph.Consumers(name).Count > 0 || graph.Proto.Output.Any(o => o.Name == name))
            {
                continue;
            }

            var init = graph.Proto.Initializer.FirstOrDefault(t => t.Name == name);
            if (init is not null)
            {
                graph.Proto.Initializer.Remove(init);
                var input = graph.Proto.Input.FirstOrDefault(i => i.Name == name);
                if (input is not null)
                {
                    graph.Proto.Input.Remove(input);
                }
            }
            else if (graph.Producer(name) is { } constant)
            {
                graph.Proto.Node.Remove(constant);
            }

            graph.Invalidate();
        }
    }

    /// <summary>Names of one quantized weight's tensors.</summary>
    private sealed record WeightNames(string Quantized, string Scale, string ZeroPoint);
}
