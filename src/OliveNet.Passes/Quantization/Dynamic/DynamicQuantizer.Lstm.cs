using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Common;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>
/// LSTM → com.microsoft.DynamicQuantizeLSTM, as ONNX Runtime's <c>quantize_dynamic</c> does: W [dirs, 4·hidden, input]
/// and R [dirs, 4·hidden, hidden] are quantized to int8 (always int8, whatever <c>weight_type</c> says, as the reference
/// does) with one scale per direction, or with <c>per_channel</c> one per gate row ([dirs, 4·hidden]), then stored
/// transposed to [dirs, input, 4·hidden] and [dirs, hidden, 4·hidden], the layout the kernel packs. The kernel requires
/// zero zero points for int8 weights, so LSTM weights are always symmetric. Inputs: X, W, R, B, sequence_lens,
/// initial_h, initial_c, P, W_scale, W_zero_point, R_scale, R_zero_point.
/// </summary>
internal sealed partial class DynamicQuantizer
{
    /// <summary>LSTM attributes DynamicQuantizeLSTM also has; <c>layout</c> (batch-first) is not among them.</summary>
    private static readonly string[] LstmAttributes = ["activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "input_forget"];

    /// <summary>LSTMs rewritten.</summary>
    public int Lstms { get; private set; }

    private List<NodeProto>? RewriteLstm(GraphView graph, NodeProto node)
    {
        if (node.Attribute.FirstOrDefault(a => !LstmAttributes.Contains(a.Name) && !(a.Name == "layout" && a.I == 0)) is { } extra)
        {
            return SkipNull(node, $"LSTM has attribute {extra.Name}, which DynamicQuantizeLSTM does not take");
        }

        var w = node.Input.Count > 2 ? FindConstant(graph, node.Input[1]) : null;
        var r = node.Input.Count > 2 ? FindConstant(graph, node.Input[2]) : null;
        if (w is not { } wc || r is not { } rc)
        {
            return SkipNull(node, "LSTM W or R is not a constant (fold constants first, e.g. OrtTransformersOptimization opt_level 1)");
        }

        if (!IsLstmWeight(wc.Tensor) || !IsLstmWeight(rc.Tensor) || wc.Tensor.Dims[0] != rc.Tensor.Dims[0] || wc.Tensor.Dims[1] != rc.Tensor.Dims[1])
        {
            return SkipNull(node, "LSTM W or R is not a float [directions, 4·hidden, size] tensor");
        }

        var qw = QuantizeLstmWeight(wc.Owner, wc.Tensor);
        var qr = QuantizeLstmWeight(rc.Owner, rc.Tensor);
        var inputs = new string[12];
        inputs[0] = node.Input[0];
        inputs[1] = qw.Quantized;
        inputs[2] = qr.Quantized;
        for (var i = 3; i < 8; i++)
        {
            inputs[i] = i < node.Input.Count ? node.Input[i] : string.Empty;
        }

        (inputs[8], inputs[9], inputs[10], inputs[11]) = (qw.Scale, qw.ZeroPoint, qr.Scale, qr.ZeroPoint);
        var quantized = Node("DynamicQuantizeLSTM", _names.Take(BaseName(node) + "_quant"), inputs, [.. node.Output]);
        quantized.Domain = MicrosoftDomain;
        quantized.Attribute.AddRange(node.Attribute.Where(a => a.Name != "layout").Select(a => a.Clone()));
        Lstms++;
        return [quantized];
    }

    private static bool IsLstmWeight(TensorProto t) =>
        (OnnxDataType)t.DataType == OnnxDataType.Float && t.Dims.Count == 3 && t.Dims[1] % 4 == 0 && TensorData.ElementCount(t) > 0;

    /// <summary>Symmetric int8 of [dirs, 4H, K] per direction (or per gate row), stored transposed as [dirs, K, 4H].</summary>
    private WeightNames QuantizeLstmWeight(GraphView owner, TensorProto weight)
    {
        var layout = _settings.PerChannel ? "lstm-gate-rows" : "lstm-directions";
        var key = (owner.Proto, weight.Name, layout);
        if (_weights.TryGetValue(key, out var names))
        {
            return names;
        }

        var (dirs, rows, cols) = (weight.Dims[0], weight.Dims[1], weight.Dims[2]);
        var data = TensorData.Read<float>(weight, _model.BaseDirectory);
        long[] channelDims = _settings.PerChannel ? [dirs * rows, cols] : [dirs, rows * cols];
        var q = WeightQuantizer.Quantize(data, channelDims, axis: 0, QuantType.Int8, symmetric: true, _settings.ReduceRange);
        var transposed = new byte[q.Values.Length];
        for (long d = 0; d < dirs; d++)
        {
            var block = d * rows * cols;
            for (long n = 0; n < rows; n++)
            {
                for (long k = 0; k < cols; k++)
                {
                    transposed[block + (k * rows) + n] = q.Values[block + (n * cols) + k];
                }
            }
        }

        long[] scaleDims = _settings.PerChannel ? [dirs, rows] : [dirs];
        names = new WeightNames(_names.Take(weight.Name + "_quantized"), _names.Take(weight.Name + "_scale"), _names.Take(weight.Name + "_zero_point"));
        owner.Proto.Initializer.Add(Raw(names.Quantized, OnnxDataType.Int8, [dirs, cols, rows], transposed));
        owner.Proto.Initializer.Add(TensorData.Create<float>(names.Scale, q.Scales, scaleDims));
        owner.Proto.Initializer.Add(Raw(names.ZeroPoint, OnnxDataType.Int8, scaleDims, new byte[q.Scales.Length]));
        _weights[key] = names;
        _replacedWeights.Add((owner, weight.Name));
        return names;
    }
}
