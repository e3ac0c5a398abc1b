using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.BlockWise;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Quantization.BlockWise;

/// <summary>Small hand-built MatMul models with seeded weights, and readers for what the passes wrote.</summary>
internal static class MatMulModels
{
    /// <summary>
    /// x [m, k] → MatMul_a(x, wa [k, n]) → ya, and when <paramref name="second"/>, MatMul_b(x, wb) → yb with wb held in a
    /// Constant node. Weights are seeded uniform in [−1, 1).
    /// </summary>
    public static string Write(string folder, int m, int k, int n, bool second = false, long opset = 17)
    {
        var g = new GraphProto { Name = "matmul" };
        g.Input.Add(Value("x", [m, k]));
        g.Output.Add(Value("ya", [m, n]));
        g.Initializer.Add(TensorData.Create<float>("wa", ModelRunner.SeededFloats(k * n, 1), [k, n]));
        g.Node.Add(Node("MatMul", "MatMul_a", ["x", "wa"], ["ya"]));
        if (second)
        {
            g.Output.Add(Value("yb", [m, n]));
            var constant = Node("Constant", "wb_const", [], ["wb"]);
            constant.Attribute.Add(new AttributeProto
            {
                Name = "value", Type = AttributeProto.Types.AttributeType.Tensor,
                T = TensorData.Create<float>("wb", ModelRunner.SeededFloats(k * n, 2), [k, n]),
            });
            g.Node.Add(constant);
            g.Node.Add(Node("MatMul", "MatMul_b", ["x", "wb"], ["yb"]));
        }

        var model = new ModelProto { IrVersion = opset >= 21 ? 10 : 8, Graph = g, ProducerName = "test" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    /// <summary>Runs the model on a seeded x [m, k] with ORT's optimizations off; returns x and the outputs.</summary>
    public static (float[] X, Dictionary<string, float[]> Outputs) Run(string path, int m, int k)
    {
        var x = ModelRunner.SeededFloats(m * k, 5);
        using var value = OrtValue.CreateTensor<float>(x, [m, k]);
        return (x, ModelRunner.Run(path, ("x", value)));
    }

    /// <summary>The MatMulNBits node producing <paramref name="output"/> and its weight, read back from the saved model.</summary>
    public static (NodeProto Node, BlockQuantizedWeight Weight) ReadNBits(string path, string output)
    {
        var model = OnnxModel.Load(path);
        var node = model.MainGraph.Nodes.Single(n => n.Output[0] == output);
        Assert.Equal(("com.microsoft", "MatMulNBits"), (node.Domain, node.OpType));
        long Attr(string name) => node.Attribute.Single(a => a.Name == name).I;
        TensorProto Init(string name) => model.MainGraph.Proto.Initializer.Single(t => t.Name == name);
        var zp = node.Input.Count > 3 ? Init(node.Input[3]) : null;
        var weight = new BlockQuantizedWeight(
            (int)Attr("K"),
            (int)Attr("N"),
            (int)Attr("bits"),
            (int)Attr("block_size"),
            TensorData.ReadRawBytes(Init(node.Input[1]), model.BaseDirectory),
            TensorData.Read<float>(Init(node.Input[2]), model.BaseDirectory),
            zp is { DataType: (int)OnnxDataType.UInt8 } ? TensorData.ReadRawBytes(zp, model.BaseDirectory) : null,
            zp is { DataType: (int)OnnxDataType.Float } ? TensorData.Read<float>(zp, model.BaseDirectory) : null);
        return (node, weight);
    }

    /// <summary>x · Ŵ in double, Ŵ dequantized as MatMulNBits defines it; also Σ_k |x_k|·|Ŵ_kn| for a rounding tolerance.</summary>
    public static (double[] Y, double[] Magnitude) Reference(float[] x, int m, BlockQuantizedWeight w)
    {
        var y = new double[m * w.N];
        var magnitude = new double[m * w.N];
        for (var k = 0; k < w.K; k++)
        {
            for (var n = 0; n < w.N; n++)
            {
                double v = w.Dequantize(k, n);
                for (var r = 0; r < m; r++)
                {
                    y[(r * w.N) + n] += x[(r * w.K) + k] * v;
                    magnitude[(r * w.N) + n] += Math.Abs(x[(r * w.K) + k] * v);
                }
            }
        }

        return (y, magnitude);
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
