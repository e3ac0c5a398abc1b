using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>MatMul → DynamicQuantizeLinear + MatMulInteger + Cast + Mul, which ONNX Runtime fuses to DynamicQuantizeMatMul.</summary>
internal sealed partial class DynamicQuantizer
{
    private List<NodeProto>? RewriteMatMul(GraphView graph, NodeProto node)
    {
        if (node.Input.Count != 2 || node.Output.Count != 1)
        {
            Skip(node, "it does not have exactly two inputs and one output");
            return null;
        }

        var baseName = BaseName(node);
        var weight = FindConstant(graph, node.Input[1]);
        if (weight is null)
        {
            return _settings.MatMulConstBOnly ? SkipNull(node, "B is not a constant (matmul_const_b_only)") : RewriteActivationMatMul(node, baseName);
        }

        var (tensor, owner) = weight.Value;
        if ((OnnxDataType)tensor.DataType != OnnxDataType.Float)
        {
            return SkipNull(node, $"weight is {OnnxDataTypes.Name((OnnxDataType)tensor.DataType)}, not float");
        }

        if (TensorData.ElementCount(tensor) == 0 || tensor.Dims.Count < 2)
        {
            return SkipNull(node, "weight has fewer than two dimensions or no elements");
        }

        // Per channel: one scale per output column N of B [K,N] (axis 1). ONNX Runtime's kernels take a 1-D [N] scale only
        // for a 2-D B, so a batched B keeps one scale.
        var perChannel = _settings.PerChannel && tensor.Dims.Count == 2;
        var names = perChannel
            ? QuantizeWeight(owner, tensor, axis: 1, [tensor.Dims[1]], "matmul-columns")
            : QuantizeWeight(owner, tensor, axis: -1, [], WeightLayoutTensor);

        var input = DynamicQuantize(node.Input[0], baseName + "_input");
        var integer = _names.Take(baseName + "_output_quantized");
        var nodes = new List<NodeProto>
        {
            input.Node,
            Node("MatMulInteger", _names.Take(baseName + "_matmul_integer"), [input.Quantized, names.Quantized, input.ZeroPoint, names.ZeroPoint], [integer]),
        };
        nodes.AddRange(Rescale(baseName, integer, input.Scale, names.Scale, node.Output[0]));
        MatMuls++;
        return nodes;
    }

    /// <summary>Both inputs are activations: each gets its own DynamicQuantizeLinear (uint8), as ONNX Runtime does without MatMulConstBOnly.</summary>
    private List<NodeProto> RewriteActivationMatMul(NodeProto node, string baseName)
    {
        var a = DynamicQuantize(node.Input[0], baseName + "_input");
        var b = DynamicQuantize(node.Input[1], baseName + "_b");
        var integer = _names.Take(baseName + "_output_quantized");
        var nodes = new List<NodeProto>
        {
            a.Node,
            b.Node,
            Node("MatMulInteger", _names.Take(baseName + "_matmul_integer"), [a.Quantized, b.Quantized, a.ZeroPoint, b.ZeroPoint], [integer]),
        };
        nodes.AddRange(Rescale(baseName, integer, a.Scale, b.Scale, node.Output[0]));
        MatMuls++;
        return nodes;
    }

    private List<NodeProto>? SkipNull(NodeProto node, string reason)
    {
        Skip(node, reason);
        return null;
    }
}
