using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Common;
using OliveNet.Passes.Quantization.Dynamic;
using OliveNet.Passes.Quantization.Static.Calibration;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>
/// Rewrites a loaded model in place into ONNX Runtime's QDQ layout. <see cref="Plan"/> picks the Conv/MatMul/Gemm nodes
/// with constant float weights and lists the activations to calibrate; <see cref="Apply"/> then stores each weight as
/// int8/uint8 feeding a DequantizeLinear, each bias as int32 (scale = input scale · weight scale, zero point 0) feeding a
/// DequantizeLinear, and puts a QuantizeLinear→DequantizeLinear pair on every calibrated activation, which every float
/// reader then reads. Relu/Clip right after a quantized op is dropped when activations are asymmetric: the output Q,
/// calibrated on the activation's output, clamps the same way.
/// </summary>
internal sealed partial class QdqQuantizer
{
    private readonly OnnxModel _model;
    private readonly GraphView _graph;
    private readonly StaticQuantizationSettings _settings;
    private readonly UniqueNames _names;
    private readonly List<QdqTarget> _targets = [];
    private readonly QuantizationTally _tally = new();
    private readonly IReadOnlyDictionary<string, string> _origins;

    /// <param name="model">The model, rewritten in place.</param>
    /// <param name="settings">The pass's settings.</param>
    /// <param name="forms">What <see cref="WeightMatMulForms"/> rewrote to MatMul before this quantizer ran, or null.</param>
    public QdqQuantizer(OnnxModel model, StaticQuantizationSettings settings, MatMulFormsResult? forms = null)
    {
        _origins = forms?.Origins ?? new Dictionary<string, string>();
        if (forms is not null)
        {
            _tally.Add(forms);
        }

        _model = model;
        _graph = model.MainGraph;
        _settings = settings;
        _names = new UniqueNames(model);
    }

    /// <summary>The nodes that will be quantized, in graph order.</summary>
    public IReadOnlyList<QdqTarget> Targets => _targets;

    /// <summary>Nodes quantized per op type (of the input model; counted by <see cref="Plan"/>) and selected nodes left in float, by reason.</summary>
    public QuantizationTally Tally => _tally;

    /// <summary>Activations removed by <see cref="Apply"/>.</summary>
    public int RemovedActivations { get; private set; }

    /// <summary>Activation tensors that got a Q→DQ pair.</summary>
    public int QuantizedActivations { get; private set; }

    /// <summary>Biases stored as int32.</summary>
    public int QuantizedBiases { get; private set; }

    /// <summary>Chooses the nodes to quantize; returns the activation tensors to calibrate, in graph order.</summary>
    public IReadOnlyList<string> Plan()
    {
        var outputs = _graph.Proto.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var node in _graph.Nodes)
        {
            if (node.Domain is not ("" or "ai.onnx") || !_settings.OpTypes.Contains(node.OpType) || _settings.NodesToExclude.Contains(node.Name) ||
                PlanActivation(node) || !StaticQuantizationSettings.WeightOps.Contains(node.OpType))
            {
                continue;
            }

            if (Check(node) is { } problem)
            {
                Skip(node, problem);
                continue;
            }

            var weight = ConstantLookup.Find(_graph, node.Input[1])!;
            _targets.Add(new QdqTarget(node, weight, _graph, ChannelAxis(node, weight), RemovableAfter(node, outputs)));
        }

        var tensors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in _targets.SelectMany(t => new[] { t.Input, t.Output }).Concat(ActivationTensors()))
        {
            if (seen.Add(name))
            {
                tensors.Add(name);
            }
        }

        PlanPassThrough([.. tensors]);
        foreach (var node in _targets.Select(t => t.Node).Concat(ActivationTargets.Select(t => t.Node)))
        {
            _tally.Count(Origin(node));
        }

        return tensors;
    }

    /// <summary>Why <paramref name="node"/> cannot be quantized, or null.</summary>
    private string? Check(NodeProto node)
    {
        if (node.Input.Count < 2 || node.Output.Count != 1)
        {
            return "it does not have two inputs and one output";
        }

        if (ConstantLookup.Find(_graph, node.Input[0]) is not null)
        {
            return "its first input is a constant";
        }

        if (ConstantLookup.Find(_graph, node.Input[1]) is not { } weight)
        {
            return "its weight (input 1) is not a constant";
        }

        if ((OnnxDataType)weight.DataType != OnnxDataType.Float || TensorData.ElementCount(weight) == 0)
        {
            return "its weight is not a non-empty float tensor";
        }

        return node.OpType switch
        {
            "Conv" when weight.Dims.Count < 3 => "its weight has fewer than 3 dimensions",
            "MatMul" when weight.Dims.Count < 2 => "its weight has fewer than 2 dimensions",
            "MatMul" when _settings.PerChannel && weight.Dims.Count != 2 => "per-channel MatMul needs a 2-D weight",
            "Gemm" when weight.Dims.Count != 2 => "its weight is not 2-D",
            _ => null,
        };
    }

    /// <summary>The per-channel axis: Conv 0, MatMul/Gemm the N axis of B (1, or 0 with transB), −1 per tensor.</summary>
    private int ChannelAxis(NodeProto node, TensorProto weight)
    {
        if (!_settings.PerChannel)
        {
            return -1;
        }

        return node.OpType switch
        {
            "Conv" => 0,
            "Gemm" => node.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1 ? 0 : 1,
            _ => weight.Dims.Count - 1,
        };
    }

    /// <summary>The Relu/Clip that is <paramref name="node"/>'s only reader, when it can be dropped.</summary>
    private NodeProto? RemovableAfter(NodeProto node, HashSet<string> graphOutputs)
    {
        if (_settings.ActivationSymmetric || graphOutputs.Contains(node.Output[0]))
        {
            return null;
        }

        var readers = _graph.Consumers(node.Output[0]);
        if (readers.Count != 1 || readers[0] is not { Domain: "" or "ai.onnx" } reader ||
            !StaticQuantizationSettings.RemovableActivations.Contains(reader.OpType) || !_settings.OpTypes.Contains(reader.OpType) ||
            _settings.NodesToExclude.Contains(reader.Name) || reader.Output.Count != 1 || graphOutputs.Contains(reader.Output[0]))
        {
            return null;
        }

        // Clip is removable only when its bounds are constants (or absent): the output range then lies inside them and
        // the Q's clamp to that range is the Clip.
        return reader.OpType == "Clip" && reader.Input.Skip(1).Any(i => i.Length > 0 && ConstantLookup.Find(_graph, i) is null)
            ? null
            : reader;
    }

    private void Skip(NodeProto node, string reason) => _tally.Skip(Origin(node), reason, node.Name.Length > 0 ? node.Name : node.Output[0]);

    /// <summary>The op type the node had in the input model (a MatMul written for a FusedMatMul counts as FusedMatMul).</summary>
    private string Origin(NodeProto node) => _origins.GetValueOrDefault(node.Name, node.OpType);
}
