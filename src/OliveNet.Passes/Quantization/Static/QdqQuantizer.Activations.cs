using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Common;
using OliveNet.Passes.Quantization.Float16;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>Ops quantized without a weight: MatMul of two activations, Add/Mul/…, and the ops that pass quantized values through.</summary>
internal sealed partial class QdqQuantizer
{
    private readonly List<ActivationTarget> _activationTargets = [];
    private Dictionary<string, int>? _types;

    /// <summary>The weight-less ops that will be quantized, in graph order.</summary>
    public IReadOnlyList<ActivationTarget> ActivationTargets => _activationTargets;

    /// <summary>Plans <paramref name="node"/> when it is a weight-less op to quantize; false when it is not one.</summary>
    private bool PlanActivation(NodeProto node)
    {
        int[]? inputs = node.OpType switch
        {
            "MatMul" when !_settings.Options.MatmulConstBOnly && node.Input.Count == 2 &&
                ConstantLookup.Find(_graph, node.Input[0]) is null && ConstantLookup.Find(_graph, node.Input[1]) is null => [0, 1],
            "Add" or "Mul" when node.Input.Count == 2 => [0, 1],
            "Concat" => [.. Enumerable.Range(0, node.Input.Count)],
            _ when StaticQuantizationSettings.ActivationOps.Contains(node.OpType) => [0],
            _ => null,
        };
        if (inputs is null)
        {
            return false;
        }

        if (node.Output.Count != 1 || inputs.Any(i => node.Input[i].Length == 0))
        {
            Skip(node, "it does not have the inputs and single output its quantized form takes");
        }
        else if (inputs.All(i => ConstantLookup.Find(_graph, node.Input[i]) is not null))
        {
            Skip(node, "all its inputs are constants");
        }
        else if (inputs.Any(i => !IsFloat(node.Input[i])))
        {
            Skip(node, "an input is not known to be float");
        }
        else
        {
            _activationTargets.Add(new ActivationTarget(node, inputs, node.OpType == "Softmax" ? OutputParams.Fixed : OutputParams.Calibrated));
        }

        return true;
    }

    /// <summary>
    /// Adds the pass-through ops (Reshape, MaxPool, …) whose input 0 is quantized anyway — an input or output of a planned
    /// op, or the output of an earlier pass-through — in graph order, so chains of them stay quantized.
    /// </summary>
    private void PlanPassThrough(HashSet<string> quantized)
    {
        foreach (var node in _graph.Nodes)
        {
            if (node.Domain is not ("" or "ai.onnx") || !StaticQuantizationSettings.PassThroughOps.Contains(node.OpType) ||
                !_settings.OpTypes.Contains(node.OpType) || _settings.NodesToExclude.Contains(node.Name) ||
                node.Input.Count == 0 || !quantized.Contains(node.Input[0]))
            {
                continue;
            }

            // MaxPool's optional second output (indices) is int64: a pooled value with indices stays float.
            if (node.OpType == "MaxPool" && node.Output.Count > 1 && node.Output[1].Length > 0)
            {
                Skip(node, "it also outputs indices");
                continue;
            }

            _activationTargets.Add(new ActivationTarget(node, [0], OutputParams.SameAsInput));
            quantized.UnionWith(node.Output.Where(o => o.Length > 0));
        }

        // Keep graph order across both kinds: the rewrite aliases parameters along it.
        var order = _graph.Nodes.Select((n, i) => (n, i)).ToDictionary<(NodeProto n, int i), NodeProto, int>(p => p.n, p => p.i, ReferenceEqualityComparer.Instance);
        _activationTargets.Sort((a, b) => order[a.Node].CompareTo(order[b.Node]));
    }

    /// <summary>Activation tensors of the weight-less targets to calibrate (not constants, not fixed or aliased outputs).</summary>
    private IEnumerable<string> ActivationTensors() =>
        _activationTargets.SelectMany(t =>
            t.Inputs.Select(i => t.Node.Input[i]).Where(n => ConstantLookup.Find(_graph, n) is null && t.Output != OutputParams.SameAsInput)
                .Concat(t.Output == OutputParams.Calibrated ? [t.Node.Output[0]] : []));

    /// <summary>Adds the parameters that are not calibrated: Softmax's fixed output, and pass-through outputs (same as input 0).</summary>
    private void DeriveParameters(Dictionary<string, QuantParams> parameters)
    {
        foreach (var target in _activationTargets)
        {
            if (target.Output == OutputParams.Fixed)
            {
                // Softmax lies in [0, 1]: scale 1/256 over the whole type, as ONNX Runtime fixes it.
                parameters[target.Node.Output[0]] = new QuantParams(1f / 256, _settings.ActivationType == QuantType.UInt8 ? 0 : -128);
            }
            else if (target.Output == OutputParams.SameAsInput && parameters.TryGetValue(target.Node.Input[0], out var input))
            {
                foreach (var output in target.Node.Output.Where(o => o.Length > 0))
                {
                    parameters[output] = input;
                }
            }
        }
    }

    /// <summary>Constant inputs of weight-less targets become activation-typed tensors feeding a DequantizeLinear.</summary>
    private void QuantizeConstantInputs(Dictionary<NodeProto, List<NodeProto>> before, List<string> replaced)
    {
        var done = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var target in _activationTargets)
        {
            var prefix = new List<NodeProto>();
            foreach (var i in target.Inputs)
            {
                var name = target.Node.Input[i];
                if (ConstantLookup.Find(_graph, name) is not { } constant)
                {
                    continue;
                }

                if (!done.TryGetValue(name, out var output))
                {
                    var data = TensorData.Read<float>(constant, _model.BaseDirectory);
                    var (min, max) = data.Length == 0 ? (0f, 0f) : SpanStats.MinMax(data);
                    var p = QuantMath.Compute(min, max, _settings.ActivationType, _settings.ActivationSymmetric);
                    var (qmin, qmax) = QuantMath.Range(_settings.ActivationType, symmetric: _settings.ActivationSymmetric);
                    var values = ZeroPointBytes(_settings.ActivationType, [.. data.Select(x => QuantMath.Quantize(x, p, qmin, qmax))]);
                    var type = QuantMath.DataType(_settings.ActivationType);
                    var quantized = _names.Take(name + "_quantized");
                    var scale = _names.Take(name + "_scale");
                    var zeroPoint = _names.Take(name + "_zero_point");
                    _graph.Proto.Initializer.Add(Raw(quantized, type, [.. constant.Dims], values));
                    _graph.Proto.Initializer.Add(TensorData.Create<float>(scale, [p.Scale], []));
                    _graph.Proto.Initializer.Add(Raw(zeroPoint, type, [], ZeroPointBytes(_settings.ActivationType, [p.ZeroPoint])));
                    output = _names.Take(name + "_DequantizeLinear_Output");
                    prefix.Add(Node("DequantizeLinear", _names.Take(name + "_DequantizeLinear"), [quantized, scale, zeroPoint], [output]));
                    done[name] = output;
                    replaced.Add(name);
                }

                target.Node.Input[i] = output;
            }

            // Keyed after the inputs change: NodeProto hashes by value.
            if (prefix.Count > 0)
            {
                before[target.Node] = prefix;
            }
        }
    }

    private bool IsFloat(string name)
    {
        if (ConstantLookup.Find(_graph, name) is { } constant)
        {
            return (OnnxDataType)constant.DataType == OnnxDataType.Float;
        }

        _types ??= ElementTypeInference.Infer(_model);
        return _types.GetValueOrDefault(name) == (int)OnnxDataType.Float;
    }
}
