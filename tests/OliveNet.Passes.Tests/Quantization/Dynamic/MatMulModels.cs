using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Tests.Quantization.Dynamic;

/// <summary>Hand-built float models around MatMul with seeded weights, for the dynamic quantization tests.</summary>
internal static class MatMulModels
{
    public const int Rows = 4;
    public const int K = 64;
    public const int N = 32;

    /// <summary>Seeded weights in [−0.5, 0.5) of shape [K, N].</summary>
    public static float[] Weights(int seed) => ModelRunner.SeededFloats(K * N, seed).Select(v => v / 2).ToArray();

    /// <summary>
    /// x [Rows, K] → MatMul (one node per entry of <paramref name="names"/>, each with its own seeded weight [K, N]) → one output each.
    /// <paramref name="weightsInConstantNodes"/> stores the weights as Constant nodes (as PP-OCR does) instead of initializers.
    /// </summary>
    public static string Write(string folder, string[] names, bool weightsInConstantNodes = false)
    {
        var g = new GraphProto { Name = "matmuls" };
        g.Input.Add(Value("x", [Rows, K]));
        for (var i = 0; i < names.Length; i++)
        {
            var w = TensorData.Create<float>($"W_{names[i]}", Weights(100 + i), [K, N]);
            if (weightsInConstantNodes)
            {
                var constant = Node("Constant", $"const_{names[i]}", [], [w.Name]);
                constant.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = w });
                g.Node.Add(constant);
            }
            else
            {
                g.Initializer.Add(w);
            }

            g.Node.Add(Node("MatMul", names[i], ["x", w.Name], [$"y_{names[i]}"]));
            g.Output.Add(Value($"y_{names[i]}", [Rows, N]));
        }

        return Save(folder, g);
    }

    /// <summary>x [Rows, K] · z [K, N] where both are graph inputs: B is not a constant.</summary>
    public static string WriteActivationMatMul(string folder)
    {
        var g = new GraphProto { Name = "activations" };
        g.Input.Add(Value("x", [Rows, K]));
        g.Input.Add(Value("z", [K, N]));
        g.Node.Add(Node("MatMul", "mm_act", ["x", "z"], ["y"]));
        g.Output.Add(Value("y", [Rows, N]));
        return Save(folder, g);
    }

    /// <summary>
    /// If(cond): the then branch multiplies x by <c>W_outer</c>, an initializer of the main graph read from the outer scope;
    /// the else branch by <c>W_inner</c>, an initializer of the branch itself.
    /// </summary>
    public static string WriteIf(string folder)
    {
        var g = new GraphProto { Name = "if" };
        g.Input.Add(Value("x", [Rows, K]));
        g.Input.Add(new ValueInfoProto { Name = "cond", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)OnnxDataType.Bool, Shape = new TensorShapeProto() } } });
        g.Initializer.Add(TensorData.Create<float>("W_outer", Weights(100), [K, N]));

        var then = new GraphProto { Name = "then" };
        then.Node.Add(Node("MatMul", "mm_then", ["x", "W_outer"], ["y_then"]));
        then.Output.Add(Value("y_then", [Rows, N]));
        var otherwise = new GraphProto { Name = "else" };
        otherwise.Initializer.Add(TensorData.Create<float>("W_inner", Weights(101), [K, N]));
        otherwise.Node.Add(Node("MatMul", "mm_else", ["x", "W_inner"], ["y_else"]));
        otherwise.Output.Add(Value("y_else", [Rows, N]));

        var node = Node("If", "if", ["cond"], ["y"]);
        node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = then });
        node.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = otherwise });
        g.Node.Add(node);
        g.Output.Add(Value("y", [Rows, N]));
        return Save(folder, g);
    }

    /// <summary>Gemm(x [Rows, K], W [K, N]) → y.</summary>
    public static string WriteGemm(string folder)
    {
        var g = new GraphProto { Name = "gemm" };
        g.Input.Add(Value("x", [Rows, K]));
        g.Initializer.Add(TensorData.Create<float>("W", Weights(1), [K, N]));
        g.Node.Add(Node("Gemm", "gemm", ["x", "W"], ["y"]));
        g.Output.Add(Value("y", [Rows, N]));
        return Save(folder, g);
    }

    internal static string Save(string folder, GraphProto g)
    {
        var model = new ModelProto { IrVersion = 8, Graph = g, ProducerName = "test" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        var path = Path.Combine(folder, "model.onnx");
        OnnxModel.FromProto(model, folder).Save(path);
        return path;
    }

    internal static NodeProto Node(string op, string name, string[] inputs, string[] outputs)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    internal static ValueInfoProto Value(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }
}
