using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Common;
using OliveNet.Passes.Quantization.Dynamic;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>Weights (int8/uint8 + DequantizeLinear) and biases (int32 + DequantizeLinear).</summary>
internal sealed partial class QdqQuantizer
{
    /// <summary>The largest int32 bias magnitude this quantizer writes (see <see cref="MinimumWeightScales"/>).</summary>
    private const double BiasLimit = 1 << 30;

    /// <summary>
    /// The quantized form of the target's weight with its DequantizeLinear, made once per (weight, axis) and shared:
    /// the first reader gets the DQ node, later ones only its output.
    /// </summary>
    private WeightTensors QuantizeWeight(QdqTarget target, float[]? minScales = null)
    {
        var key = (target.Weight.Name, target.ChannelAxis);
        if (_weights.TryGetValue(key, out var existing))
        {
            return existing with { Dequantize = [] };
        }

        var tensor = target.Weight;
        var name = tensor.Name.Length > 0 ? tensor.Name : target.Node.Input[1];
        var data = TensorData.Read<float>(tensor, _model.BaseDirectory);
        var q = WeightQuantizer.Quantize(data, tensor.Dims, target.ChannelAxis, _settings.WeightType, _settings.WeightSymmetric, _settings.ReduceRange, minScales);
        var type = QuantMath.DataType(_settings.WeightType);
        var quantized = _names.Take(name + "_quantized");
        var scale = _names.Take(name + "_scale");
        var zeroPoint = _names.Take(name + "_zero_point");
        long[] paramDims = target.ChannelAxis < 0 ? [] : [q.Scales.Length];
        _graph.Proto.Initializer.Add(Raw(quantized, type, tensor.Dims.ToArray(), q.Values));
        _graph.Proto.Initializer.Add(TensorData.Create<float>(scale, q.Scales, paramDims));
        _graph.Proto.Initializer.Add(Raw(zeroPoint, type, paramDims, ZeroPointBytes(_settings.WeightType, q.ZeroPoints)));
        var output = _names.Take(name + "_DequantizeLinear_Output");
        var dq = Node("DequantizeLinear", _names.Take(name + "_DequantizeLinear"), [quantized, scale, zeroPoint], [output]);
        if (target.ChannelAxis >= 0)
        {
            dq.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = target.ChannelAxis });
        }

        var result = new WeightTensors(output, q.Scales, [dq]);
        _weights[key] = result;
        return result;
    }

    /// <summary>
    /// The smallest weight scale per channel (one entry per tensor) that keeps the int32 bias of <paramref name="target"/>
    /// within ±2^30 at input scale <paramref name="inputScale"/>: |b| / (input scale · 2^30 · |beta|). Null when the bias is not
    /// quantized. Without it, a channel with tiny weights but a sizeable bias (typical after folding BatchNormalization
    /// with a small gamma) gets a bias scale so small that the int32 bias clamps, which corrupts that channel entirely;
    /// 2^30 rather than 2^31 leaves the integer kernel headroom for the accumulated products (K · 255 · 128 < 2^30 for
    /// K below 32,000).
    /// </summary>
    private float[]? MinimumWeightScales(QdqTarget target, float inputScale)
    {
        if (BiasInput(target) is not { } bias || !(inputScale > 0))
        {
            return null;
        }

        var beta = target.Node.OpType == "Gemm" ? AttributeFloat(target.Node, "beta", 1f) : 1f;
        var data = TensorData.Read<float>(bias, _model.BaseDirectory);
        var perChannel = data.Select(b => (float)(Math.Abs(b) / (inputScale * BiasLimit * Math.Abs((double)beta)))).ToArray();
        return target.ChannelAxis >= 0 ? perChannel : [perChannel.Max()];
    }

    /// <summary>Conv's input 2, or Gemm's C when it is a constant float vector of N; null otherwise.</summary>
    private TensorProto? BiasInput(QdqTarget target)
    {
        var node = target.Node;
        if (node.OpType == "MatMul" || node.Input.Count < 3 || ConstantLookup.Find(_graph, node.Input[2]) is not { } bias ||
            (OnnxDataType)bias.DataType != OnnxDataType.Float || bias.Dims.Count != 1)
        {
            return null;
        }

        var channels = node.OpType == "Conv" ? target.Weight.Dims[0] : target.Weight.Dims[Attribute(node, "transB", 0) == 1 ? 0 : 1];
        return bias.Dims[0] == channels ? bias : null;
    }

    /// <summary>
    /// int32 bias with scale <c>input scale · weight scale</c> (per channel when the weight is; times beta for Gemm, as
    /// ONNX Runtime does) and zero point 0, clamped to the int32 range, feeding a DequantizeLinear.
    /// </summary>
    private (NodeProto Dq, string Output) QuantizeBias(QdqTarget target, TensorProto bias, float inputScale, WeightTensors weight)
    {
        var beta = target.Node.OpType == "Gemm" ? AttributeFloat(target.Node, "beta", 1f) : 1f;
        var data = TensorData.Read<float>(bias, _model.BaseDirectory);
        var scales = weight.Scales.Select(s => inputScale * s * beta).ToArray();
        var values = new int[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            var s = scales[scales.Length == 1 ? 0 : i];
            values[i] = (int)Math.Clamp(Math.Round(data[i] / (double)s, MidpointRounding.ToEven), int.MinValue, int.MaxValue);
        }

        var name = target.Node.Input[2];
        long[] dims = scales.Length == 1 ? [] : [scales.Length];
        var quantized = _names.Take(name + "_quantized");
        var scale = _names.Take(name + "_quantized_scale");
        var zeroPoint = _names.Take(name + "_quantized_zero_point");
        _graph.Proto.Initializer.Add(TensorData.Create<int>(quantized, values, [values.Length]));
        _graph.Proto.Initializer.Add(TensorData.Create<float>(scale, scales, dims));
        _graph.Proto.Initializer.Add(TensorData.Create<int>(zeroPoint, new int[scales.Length == 1 ? 1 : scales.Length], dims));
        var output = _names.Take(name + "_DequantizeLinear_Output");
        var dq = Node("DequantizeLinear", _names.Take(name + "_DequantizeLinear"), [quantized, scale, zeroPoint], [output]);
        if (scales.Length > 1)
        {
            dq.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        }

        return (dq, output);
    }

    private static long Attribute(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

    private static float AttributeFloat(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.F ?? fallback;

    /// <summary>A quantized weight: the DQ output its readers take, its scales, and the DQ to insert (empty when already inserted).</summary>
    private sealed record WeightTensors(string Output, float[] Scales, IReadOnlyList<NodeProto> Dequantize);
}
