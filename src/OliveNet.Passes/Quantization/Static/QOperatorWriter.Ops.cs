using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>
/// The op table. Input orders (ONNX and com.microsoft schemas): QLinearConv (x, x_scale, x_zp, w, w_scale, w_zp, y_scale,
/// y_zp, int32 bias); QLinearMatMul (a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp); QGemm (a, a_scale, a_zp, b,
/// b_scale, b_zp, int32 C, y_scale, y_zp); QLinearAdd/QLinearMul (A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp);
/// unary QLinearSigmoid/LeakyRelu/GlobalAveragePool/AveragePool/Softmax (X, X_scale, X_zp, Y_scale, Y_zp); QLinearConcat
/// (Y_scale, Y_zp, then X, X_scale, X_zp per input). Pass-through ops keep their op and read the quantized tensor.
/// </summary>
internal static partial class QOperatorWriter
{
    /// <summary>The nodes that replace <paramref name="node"/>, or null when it does not have the QDQ shape to convert.</summary>
    private static NodeProto[]? Convert(Context c, NodeProto node)
    {
        if (StaticQuantizationSettings.PassThroughOps.Contains(node.OpType))
        {
            return PassThrough(c, node);
        }

        var y = Out(c, node.Output[0]);
        if (y is null)
        {
            return null;
        }

        var inputs = new List<string>();
        bool Add(int i)
        {
            if (i >= node.Input.Count || In(c, node.Input[i]) is not { } q)
            {
                return false;
            }

            inputs.AddRange(q.Input.Take(3));
            return true;
        }

        // A bias must already be int32 (quantized with scale x_scale·w_scale, which is what the QLinear op assumes).
        bool Bias(int i) => i >= node.Input.Count || node.Input[i].Length == 0 ||
            (In(c, node.Input[i]) is { } dq && ConstantLookup.Find(c.Graph, dq.Input[0]) is { DataType: (int)OnnxDataType.Int32 } && Keep(dq.Input[0]));
        bool Keep(string name)
        {
            inputs.Add(name);
            return true;
        }

        var (op, domain) = node.OpType switch
        {
            "Conv" when Add(0) && Add(1) && Keep(y.Input[1]) && Keep(y.Input[2]) && Bias(2) => ("QLinearConv", string.Empty),
            "MatMul" when Add(0) && Add(1) && Keep(y.Input[1]) && Keep(y.Input[2]) => ("QLinearMatMul", string.Empty),
            "Gemm" when Float(node, "alpha") == 1 && Float(node, "beta") == 1 && Add(0) && Add(1) && (node.Input.Count < 3 || Bias(2)) &&
                Keep(y.Input[1]) && Keep(y.Input[2]) => ("QGemm", MicrosoftDomain),
            "Add" or "Mul" when Add(0) && Add(1) && Keep(y.Input[1]) && Keep(y.Input[2]) => ("QLinear" + node.OpType, MicrosoftDomain),
            "Sigmoid" or "LeakyRelu" or "GlobalAveragePool" or "AveragePool" or "Softmax" when Add(0) && Keep(y.Input[1]) && Keep(y.Input[2]) =>
                ("QLinear" + node.OpType, MicrosoftDomain),
            "Concat" when Keep(y.Input[1]) && Keep(y.Input[2]) && Enumerable.Range(0, node.Input.Count).All(Add) => ("QLinearConcat", MicrosoftDomain),
            _ => (null, null),
        };
        if (op is null)
        {
            return null;
        }

        var quantized = new NodeProto { OpType = op, Domain = domain, Name = c.Names.Take(node.Name.Length > 0 ? node.Name + "_quant" : y.Output[0] + "_node") };
        quantized.Input.AddRange(inputs);
        quantized.Output.Add(y.Output[0]);
        quantized.Attribute.AddRange(node.Attribute.Where(a => op != "QGemm" || a.Name != "beta").Select(a => a.Clone()));
        AddOpAttributes(c, node, quantized);
        c.Absorbed.Add(y);
        return [quantized, .. OutputDequantize(c, node.Output[0], y)];
    }

    /// <summary>Attributes the QLinear form needs beyond the float op's.</summary>
    private static void AddOpAttributes(Context c, NodeProto node, NodeProto quantized)
    {
        switch (node.OpType)
        {
            case "GlobalAveragePool" or "AveragePool":
                quantized.Attribute.Add(Int("channels_last", 0));
                break;
            case "Softmax":
                // QLinearSoftmax reads axis with the semantics of the opset it is told (before 13: flatten at axis, default 1).
                quantized.Attribute.Add(Int("opset", c.Opset));
                if (c.Opset < 13 && !node.Attribute.Any(a => a.Name == "axis"))
                {
                    quantized.Attribute.Add(Int("axis", 1));
                }

                break;
            default:
                break;
        }
    }

    /// <summary>Reshape, MaxPool, …: the same op on the quantized input when every output's Q has the input's parameters.</summary>
    private static NodeProto[]? PassThrough(Context c, NodeProto node)
    {
        // MaxPool takes 8-bit tensors from opset 12; below, it stays float between its DQ and Q (ORT handles that form).
        if (In(c, node.Input[0]) is not { } x || (node.OpType == "MaxPool" && c.Opset < 12))
        {
            return null;
        }

        var qs = node.Output.Select(o => o.Length == 0 ? null : Out(c, o)).ToList();
        if (qs.Any(q => q is not null && !SameParams(c, x, q)) || node.Output.Where((o, i) => o.Length > 0 && qs[i] is null).Any())
        {
            return null;
        }

        var quantized = node.Clone();
        quantized.Name = c.Names.Take(node.Name.Length > 0 ? node.Name + "_quant" : node.Output[0] + "_node");
        quantized.Input[0] = x.Input[0];
        var result = new List<NodeProto> { quantized };
        for (var i = 0; i < node.Output.Count; i++)
        {
            if (qs[i] is { } q)
            {
                quantized.Output[i] = q.Output[0];
                c.Absorbed.Add(q);
                result.AddRange(OutputDequantize(c, node.Output[i], q));
            }
        }

        return [.. result];
    }

    /// <summary>The DequantizeLinear that <paramref name="name"/> comes from, when it has a zero point.</summary>
    private static NodeProto? In(Context c, string name) =>
        c.Graph.Producer(name) is { OpType: "DequantizeLinear", Domain: "" or "ai.onnx" } dq && dq.Input.Count == 3 ? dq : null;

    /// <summary>The QuantizeLinear that is the only reader of <paramref name="name"/>, when it has a zero point.</summary>
    private static NodeProto? Out(Context c, string name) =>
        c.Graph.Consumers(name) is [{ OpType: "QuantizeLinear", Domain: "" or "ai.onnx" } q] && q.Input.Count == 3 && q.Input[0] == name &&
        !c.Absorbed.Contains(q) ? q : null;

    /// <summary>A graph output the float op wrote is now the dequantized QLinear output.</summary>
    private static IEnumerable<NodeProto> OutputDequantize(Context c, string name, NodeProto q)
    {
        if (!c.GraphOutputs.Contains(name))
        {
            yield break;
        }

        var dq = new NodeProto { OpType = "DequantizeLinear", Name = c.Names.Take(name + "_DequantizeLinear") };
        dq.Input.AddRange([q.Output[0], q.Input[1], q.Input[2]]);
        dq.Output.Add(name);
        yield return dq;
    }

    private static bool SameParams(Context c, NodeProto dq, NodeProto q)
    {
        if (dq.Input[1] == q.Input[1] && dq.Input[2] == q.Input[2])
        {
            return true;
        }

        var tensors = new[] { dq.Input[1], q.Input[1], dq.Input[2], q.Input[2] }.Select(n => ConstantLookup.Find(c.Graph, n)).ToArray();
        return tensors.All(t => t is not null && !TensorData.IsExternal(t)) &&
            tensors[0]!.DataType == tensors[1]!.DataType && TensorData.ReadRawBytes(tensors[0]!, null).AsSpan().SequenceEqual(TensorData.ReadRawBytes(tensors[1]!, null)) &&
            tensors[2]!.DataType == tensors[3]!.DataType && TensorData.ReadRawBytes(tensors[2]!, null).AsSpan().SequenceEqual(TensorData.ReadRawBytes(tensors[3]!, null));
    }

    private static float Float(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.F ?? 1f;

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
}
