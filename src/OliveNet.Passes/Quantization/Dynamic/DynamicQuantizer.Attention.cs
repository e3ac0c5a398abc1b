using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>
/// com.microsoft.Attention → DynamicQuantizeLinear + com.microsoft.QAttention, as ONNX Runtime's <c>quantize_dynamic</c>
/// does: the input is quantized to uint8 at run time, the packed QKV weight [hidden_in, 3·hidden] is stored as int8/uint8
/// (per tensor, or with <c>per_channel</c> one scale and zero point per column), and the inputs go in the contrib op's
/// order: input, weight, bias, input_scale, weight_scale, mask_index, input_zero_point, weight_zero_point, past.
/// </summary>
internal sealed partial class DynamicQuantizer
{
    /// <summary>Attention attributes QAttention also has; any other attribute (qkv_hidden_sizes, rotary sizes) keeps the node in float.</summary>
    private static readonly string[] QAttentionAttributes = ["num_heads", "unidirectional", "do_rotary", "past_present_share_buffer", "mask_filter_value", "scale"];

    /// <summary>Attentions rewritten.</summary>
    public int Attentions { get; private set; }

    private List<NodeProto>? RewriteAttention(GraphView graph, NodeProto node)
    {
        if (node.Attribute.FirstOrDefault(a => !QAttentionAttributes.Contains(a.Name)) is { } extra)
        {
            return SkipNull(node, $"Attention has attribute {extra.Name}, which QAttention does not take");
        }

        // QAttention takes no attention_bias (input 5) or past_sequence_length (6), and needs a bias (input 2).
        if (node.Input.Count < 3 || node.Input[2].Length == 0 || node.Input.Skip(5).Any(i => i.Length > 0) || node.Output.Count > 2)
        {
            return SkipNull(node, "Attention without a bias or with attention_bias / past_sequence_length");
        }

        if (FindConstant(graph, node.Input[1]) is not { } weight)
        {
            return SkipNull(node, "Attention weight is not a constant");
        }

        var (tensor, owner) = weight;
        if ((OnnxDataType)tensor.DataType != OnnxDataType.Float || tensor.Dims.Count != 2 || TensorData.ElementCount(tensor) == 0)
        {
            return SkipNull(node, "Attention weight is not a non-empty 2-D float tensor");
        }

        var baseName = BaseName(node);
        var names = _settings.PerChannel
            ? QuantizeWeight(owner, tensor, axis: 1, [tensor.Dims[1]], "matmul-columns")
            : QuantizeWeight(owner, tensor, axis: -1, [], WeightLayoutTensor);
        var input = DynamicQuantize(node.Input[0], baseName + "_input");
        string[] inputs =
        [
            input.Quantized, names.Quantized, node.Input[2], input.Scale, names.Scale,
            node.Input.Count > 3 ? node.Input[3] : string.Empty, input.ZeroPoint, names.ZeroPoint,
            node.Input.Count > 4 ? node.Input[4] : string.Empty,
        ];
        var quantized = Node("QAttention", _names.Take(baseName + "_quant"), inputs.Reverse().SkipWhile(i => i.Length == 0).Reverse().ToArray(), [.. node.Output]);
        quantized.Domain = MicrosoftDomain;
        quantized.Attribute.AddRange(node.Attribute.Select(a => a.Clone()));
        Attentions++;
        return [input.Node, quantized];
    }
}
