using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Tests.Quantization.Static.QOperator;

/// <summary>
/// One of every op the QOperator format covers, opset 13, seeded weights: x [1,3,8,8] → Conv(pad 1) → c; Sigmoid(c) +
/// LeakyRelu(c, 0.1) → Add → Mul by a constant [1,4,1,1] → MaxPool and AveragePool (2×2, stride 2) → Concat (axis 1,
/// [1,8,4,4]) → Reshape [1,8,16] → Transpose [1,16,8] → MatMul with the Reshape output (two activations, [1,16,16]) →
/// Softmax → y1; GlobalAveragePool of the Concat → y2 [1,8,1,1].
/// </summary>
internal static class ActivationOpsModel
{
    public static readonly long[] InputShape = [1, 3, 8, 8];

    /// <summary>Every op type of the model except Conv, for op_types_to_quantize.</summary>
    public static readonly string[] OpTypes =
        ["Conv", "Sigmoid", "LeakyRelu", "Add", "Mul", "MaxPool", "AveragePool", "Concat", "Reshape", "Transpose", "MatMul", "Softmax", "GlobalAveragePool"];

    public static string Write(string folder)
    {
        var g = new GraphProto { Name = "activation_ops" };
        g.Input.Add(QuantTestKit.Value("x", InputShape));
        g.Output.Add(QuantTestKit.Value("y1", [1, 16, 16]));
        g.Output.Add(QuantTestKit.Value("y2", [1, 8, 1, 1]));
        g.Initializer.Add(TensorData.Create<float>("W", ModelRunner.SeededFloats(4 * 3 * 9, 21), [4, 3, 3, 3]));
        g.Initializer.Add(TensorData.Create<float>("b", ModelRunner.SeededFloats(4, 22), [4]));
        g.Initializer.Add(TensorData.Create<float>("K", [0.5f, -1.5f, 2f, 1f], [1, 4, 1, 1]));
        g.Initializer.Add(TensorData.Create<long>("shape", [1, 8, 16], [3]));
        g.Node.Add(Node("Conv", ["x", "W", "b"], ["c"], Ints("pads", 1, 1, 1, 1)));
        g.Node.Add(Node("Sigmoid", ["c"], ["s"]));
        g.Node.Add(Node("LeakyRelu", ["c"], ["l"], new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = 0.1f }));
        g.Node.Add(Node("Add", ["s", "l"], ["a"]));
        g.Node.Add(Node("Mul", ["a", "K"], ["m"]));
        g.Node.Add(Node("MaxPool", ["m"], ["p"], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)));
        g.Node.Add(Node("AveragePool", ["m"], ["ap"], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)));
        g.Node.Add(Node("Concat", ["p", "ap"], ["cat"], new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 }));
        g.Node.Add(Node("Reshape", ["cat", "shape"], ["r"]));
        g.Node.Add(Node("Transpose", ["r"], ["t"], Ints("perm", 0, 2, 1)));
        g.Node.Add(Node("MatMul", ["t", "r"], ["mm"]));
        g.Node.Add(Node("Softmax", ["mm"], ["y1"], new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = -1 }));
        g.Node.Add(Node("GlobalAveragePool", ["cat"], ["y2"]));
        var model = new ModelProto { IrVersion = 8, ProducerName = "olivenet-tests", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 13 });
        var path = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = op.ToLowerInvariant() };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        return n;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }
}
