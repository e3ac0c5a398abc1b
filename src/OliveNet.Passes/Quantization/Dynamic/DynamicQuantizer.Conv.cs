using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>
/// Conv → DynamicQuantizeLinear + ConvInteger + Cast + Mul (+ Add of the bias reshaped to [1,M,1,…]). ONNX Runtime has no
/// fused kernel for this pattern; it runs the ops as they are.
/// </summary>
internal sealed partial class DynamicQuantizer
{
    private static readonly string[] ConvAttributes = ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"];

    private List<NodeProto>? RewriteConv(GraphView graph, NodeProto node)
    {
        if (node.Input.Count < 2 || node.Output.Count != 1)
        {
            return SkipNull(node, "Conv without a weight input or with several outputs");
        }

        if (FindConstant(graph, node.Input[1]) is not { } weight)
        {
            return SkipNull(node, "Conv weight is not a constant");
        }

        var (tensor, owner) = weight;
        if ((OnnxDataType)tensor.DataType != OnnxDataType.Float || TensorData.ElementCount(tensor) == 0 || tensor.Dims.Count < 3)
        {
            return SkipNull(node, "Conv weight is not a non-empty float tensor of rank 3 or more");
        }

        var baseName = BaseName(node);
        var rank = tensor.Dims.Count;
        var channels = tensor.Dims[0];

        // The output is [N, M, spatial…]: a per-channel scale is stored as [1, M, 1, …] so it broadcasts over it directly.
        var channelShape = new long[rank];
        Array.Fill(channelShape, 1L);
        channelShape[1] = channels;
        // ONNX Runtime's ConvInteger takes a single weight zero point. Symmetric weights have the same zero point in every
        // channel, so they stay per channel with that one zero point; asymmetric ones fall back to one scale per tensor.
        var perChannel = _settings.PerChannel && _settings.WeightSymmetric;
        if (_settings.PerChannel && !perChannel)
        {
            Note(node, "asymmetric per-channel Conv weights fall back to per tensor (ConvInteger takes one zero point)");
        }

        var names = perChannel
            ? QuantizeWeight(owner, tensor, axis: 0, channelShape, "conv-channels", scalarZeroPoint: true)
            : QuantizeWeight(owner, tensor, axis: -1, [], WeightLayoutTensor);

        var input = DynamicQuantize(node.Input[0], baseName + "_input");
        var integer = _names.Take(baseName + "_output_quantized");
        var convInteger = Node("ConvInteger", _names.Take(baseName + "_conv_integer"), [input.Quantized, names.Quantized, input.ZeroPoint, names.ZeroPoint], [integer]);
        convInteger.Attribute.AddRange(node.Attribute.Where(a => ConvAttributes.Contains(a.Name)).Select(a => a.Clone()));
        var nodes = new List<NodeProto> { input.Node, convInteger };

        var hasBias = node.Input.Count > 2 && node.Input[2].Length > 0;
        var scaled = hasBias ? _names.Take(baseName + "_output_scaled") : node.Output[0];
        nodes.AddRange(Rescale(baseName, integer, input.Scale, names.Scale, scaled));
        if (hasBias)
        {
            var shape = _names.Take(baseName + "_bias_shape");
            var bias = _names.Take(baseName + "_bias_reshaped");
            var shapeValue = new long[rank];
            Array.Fill(shapeValue, 1L);
            shapeValue[1] = -1;
            graph.Proto.Initializer.Add(TensorData.Create<long>(shape, shapeValue, [rank]));
            nodes.Add(Node("Reshape", _names.Take(baseName + "_bias_reshape"), [node.Input[2], shape], [bias]));
            nodes.Add(Node("Add", _names.Take(baseName + "_bias_add"), [scaled, bias], [node.Output[0]]));
        }

        Convs++;
        return nodes;
    }
}
