using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Tests.Quantization.Static;

/// <summary>
/// x [1,2,6,6] → Conv(W1 [4,2,3,3], b1 [4]) → Relu → Flatten → MatMul(W2 [64,5]) → y [1,5], opset 13, seeded weights;
/// plus a calibration folder in the ONNX test-data layout.
/// </summary>
internal static class ConvReluMatMulModel
{
    public static readonly long[] InputShape = [1, 2, 6, 6];
    public const int InputCount = 72;
    public const int ConvTaps = 2 * 3 * 3;
    public const int MatMulDepth = 64;

    public static float[] ConvWeight => ModelRunner.SeededFloats(4 * ConvTaps, 11);

    public static float[] ConvBias => ModelRunner.SeededFloats(4, 12);

    public static float[] MatMulWeight => ModelRunner.SeededFloats(MatMulDepth * 5, 13);

    /// <summary>
    /// Writes model.onnx into <paramref name="folder"/> and returns its path. <paramref name="exactWeights"/> rounds the
    /// weights to multiples of 1/127 with max |W| = 1, so int8 symmetric quantization (scale 1/127) stores them exactly.
    /// </summary>
    public static string Write(string folder, long opset = 13, bool exactWeights = false)
    {
        var g = new GraphProto { Name = "conv_relu_matmul" };
        g.Input.Add(Value("x", InputShape));
        g.Output.Add(Value("y", [1, 5]));
        g.Initializer.Add(TensorData.Create<float>("W1", exactWeights ? Exact(ConvWeight) : ConvWeight, [4, 2, 3, 3]));
        g.Initializer.Add(TensorData.Create<float>("b1", ConvBias, [4]));
        g.Initializer.Add(TensorData.Create<float>("W2", exactWeights ? Exact(MatMulWeight) : MatMulWeight, [MatMulDepth, 5]));
        g.Node.Add(Node("Conv", "conv", ["x", "W1", "b1"], ["c"]));
        g.Node.Add(Node("Relu", "relu", ["c"], ["r"]));
        var flatten = Node("Flatten", "flatten", ["r"], ["f"]);
        flatten.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        g.Node.Add(flatten);
        g.Node.Add(Node("MatMul", "matmul", ["f", "W2"], ["y"]));
        var model = new ModelProto { IrVersion = 8, ProducerName = "olivenet-tests", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        var path = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    /// <summary>The samples of <see cref="WriteDataDir"/>: seeded values in [−1, 1).</summary>
    public static float[] Sample(int index) => ModelRunner.SeededFloats(InputCount, 100 + index);

    /// <summary>Writes <paramref name="count"/> samples as <c>sample_k/input_0.pb</c>.</summary>
    public static string WriteDataDir(string folder, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var sample = Directory.CreateDirectory(Path.Combine(folder, $"sample_{i}")).FullName;
            File.WriteAllBytes(Path.Combine(sample, "input_0.pb"), TensorData.Create<float>("x", Sample(i), InputShape).ToByteArray());
        }

        return folder;
    }

    private static float[] Exact(float[] w)
    {
        var exact = w.Select(v => MathF.Round(v * 127) / 127).ToArray();
        exact[0] = 1;
        return exact;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string[] outputs)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    private static ValueInfoProto Value(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }
}
