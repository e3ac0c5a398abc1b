using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Common;
using OliveNet.Passes.Quantization.Dynamic;
using OliveNet.Passes.Quantization.Static.Calibration;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>The rewrite, once the activation ranges are known.</summary>
internal sealed partial class QdqQuantizer
{
    private const string MicrosoftDomain = "com.microsoft";

    private readonly Dictionary<(string Name, int Axis), WeightTensors> _weights = [];

    /// <summary>Activations whose parameters came from <c>tensor_quant_overrides</c>.</summary>
    public int OverriddenActivations { get; private set; }

    /// <summary>Rewrites the graph with the calibrated <paramref name="ranges"/>; tensors without a range stay float.</summary>
    public void Apply(IReadOnlyDictionary<string, TensorRange> ranges)
    {
        var activationDomain = ActivationDomain();
        var parameters = ranges.ToDictionary(kv => kv.Key, kv => _settings.ActivationParams(kv.Value), StringComparer.Ordinal);
        foreach (var (tensor, fixedParams) in _settings.Options.TensorQuantOverrides)
        {
            if (parameters.ContainsKey(tensor))
            {
                parameters[tensor] = new QuantParams(fixedParams.Scale, fixedParams.ZeroPoint);
                OverriddenActivations++;
            }
        }

        DeriveParameters(parameters);
        var before = new Dictionary<NodeProto, List<NodeProto>>(ReferenceEqualityComparer.Instance);
        var replacedWeights = new List<string>();
        QuantizeConstantInputs(before, replacedWeights);
        foreach (var target in _targets)
        {
            var prefix = new List<NodeProto>();
            if (target.RemovedActivation is { } activation)
            {
                target.Node.Output[0] = activation.Output[0];
                _graph.Proto.Node.Remove(activation);
                RemovedActivations++;
            }

            var weight = QuantizeWeight(target, parameters.TryGetValue(target.Input, out var inputParams) ? MinimumWeightScales(target, inputParams.Scale) : null);
            prefix.AddRange(weight.Dequantize);
            replacedWeights.Add(target.Node.Input[1]);
            target.Node.Input[1] = weight.Output;
            if (BiasInput(target) is { } bias && parameters.TryGetValue(target.Input, out var input))
            {
                replacedWeights.Add(target.Node.Input[2]);
                var (dq, output) = QuantizeBias(target, bias, input.Scale, weight);
                prefix.Add(dq);
                target.Node.Input[2] = output;
                QuantizedBiases++;
            }

            before[target.Node] = prefix;
        }

        _graph.Invalidate();
        InsertActivationPairs(parameters, before, activationDomain);
        foreach (var name in replacedWeights.Distinct(StringComparer.Ordinal))
        {
            ConstantLookup.RemoveIfUnread(_graph, name);
        }
    }

    /// <summary>
    /// Rebuilds the node list: weight/bias DQs before their node, each quantized activation's Q→DQ right after its producer
    /// (graph inputs: first), and every reader of a quantized activation switched to the DQ output. Graph outputs keep
    /// the float tensor.
    /// </summary>
    private void InsertActivationPairs(Dictionary<string, QuantParams> parameters, Dictionary<NodeProto, List<NodeProto>> before, string domain)
    {
        var pairs = new Dictionary<string, (NodeProto Q, NodeProto Dq, string Output)>(StringComparer.Ordinal);
        var graphOutputs = _graph.Proto.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (tensor, p) in parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            // A tensor only a graph output reads keeps float in QDQ: a pair there would feed nothing. QOperator needs its Q
            // (the QLinear op writes the quantized tensor and a DequantizeLinear makes the output); the writer drops it if unused.
            if (_graph.Consumers(tensor).Count > 0 || (_settings.QOperator && graphOutputs.Contains(tensor)))
            {
                pairs[tensor] = ActivationPair(tensor, p, domain);
            }
        }

        var nodes = new List<NodeProto>(_graph.Proto.Node.Count + (2 * pairs.Count));
        foreach (var input in _graph.Proto.Input)
        {
            if (pairs.TryGetValue(input.Name, out var pair))
            {
                nodes.Add(pair.Q);
                nodes.Add(pair.Dq);
            }
        }

        foreach (var node in _graph.Proto.Node)
        {
            if (before.TryGetValue(node, out var prefix))
            {
                nodes.AddRange(prefix);
            }

            for (var i = 0; i < node.Input.Count; i++)
            {
                if (pairs.TryGetValue(node.Input[i], out var pair))
                {
                    node.Input[i] = pair.Output;
                }
            }

            nodes.Add(node);
            foreach (var output in node.Output)
            {
                if (pairs.TryGetValue(output, out var pair))
                {
                    nodes.Add(pair.Q);
                    nodes.Add(pair.Dq);
                }
            }
        }

        QuantizedActivations = pairs.Count;
        _graph.Proto.Node.Clear();
        _graph.Proto.Node.AddRange(nodes);
        _graph.Invalidate();
    }

    private (NodeProto Q, NodeProto Dq, string Output) ActivationPair(string tensor, QuantParams p, string domain)
    {
        var type = QuantMath.DataType(_settings.ActivationType);
        var scale = _names.Take(tensor + "_scale");
        var zeroPoint = _names.Take(tensor + "_zero_point");
        _graph.Proto.Initializer.Add(TensorData.Create<float>(scale, [p.Scale], []));
        _graph.Proto.Initializer.Add(Raw(zeroPoint, type, [], ZeroPointBytes(_settings.ActivationType, [p.ZeroPoint])));
        var quantized = _names.Take(tensor + "_QuantizeLinear_Output");
        var output = _names.Take(tensor + "_DequantizeLinear_Output");
        var q = Node("QuantizeLinear", _names.Take(tensor + "_QuantizeLinear"), [tensor, scale, zeroPoint], [quantized], domain);
        var dq = Node("DequantizeLinear", _names.Take(tensor + "_DequantizeLinear"), [quantized, scale, zeroPoint], [output], domain);
        return (q, dq, output);
    }

    /// <summary>ai.onnx, or com.microsoft for 16-bit activations below opset 21 (registering the domain).</summary>
    private string ActivationDomain()
    {
        if (!_settings.SixteenBit || _model.OpsetImports.GetValueOrDefault(string.Empty) >= 21)
        {
            return string.Empty;
        }

        if (!_model.Proto.OpsetImport.Any(o => o.Domain == MicrosoftDomain))
        {
            _model.Proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        return MicrosoftDomain;
    }

    internal static NodeProto Node(string op, string name, string[] inputs, string[] outputs, string domain = "")
    {
        var n = new NodeProto { OpType = op, Name = name, Domain = domain };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    internal static TensorProto Raw(string name, OnnxDataType type, long[] dims, byte[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(values) };
        t.Dims.AddRange(dims);
        return t;
    }

    /// <summary>Zero points as little-endian bytes of <paramref name="type"/>.</summary>
    internal static byte[] ZeroPointBytes(QuantType type, int[] zeroPoints) => type switch
    {
        QuantType.UInt16 or QuantType.Int16 => zeroPoints.SelectMany(z => BitConverter.GetBytes(unchecked((ushort)z))).ToArray(),
        _ => zeroPoints.Select(z => unchecked((byte)z)).ToArray(),
    };
}
