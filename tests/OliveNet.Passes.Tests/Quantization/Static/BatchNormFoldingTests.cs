using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Dynamic;
using OliveNet.Passes.Quantization.Static;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Quantization.Static;

/// <summary>Conv→BatchNormalization folded into one Conv, checked against hand-worked numbers and against ORT.</summary>
public sealed class BatchNormFoldingTests
{
    /// <summary>
    /// x [1,1,2,2] → Conv(W [2,1,1,1] = [2, 0.5], b = [1, 4]) → BN(gamma [1, 3], beta [0.5, −1], mean [1, 2], var [3, 0],
    /// epsilon 1). s = gamma/sqrt(var + eps) = [1/2, 3]; W' = W·s = [1, 1.5]; b' = (b − mean)·s + beta = [0.5, 5].
    /// </summary>
    [Fact]
    public void The_folded_Conv_has_the_hand_worked_weights_and_computes_what_Conv_then_BatchNormalization_did()
    {
        using var temp = new TempFolder();
        var path = Write(temp.Path);
        var model = OnnxModel.Load(path);
        Assert.Equal(1, BatchNormFolding.Apply(model, new UniqueNames(model), new HashSet<string>()));

        var graph = model.MainGraph;
        var conv = Assert.Single(graph.Nodes);
        Assert.Equal("y", conv.Output[0]);
        Assert.Equal([1f, 1.5f], TensorData.Read<float>(graph.Proto.Initializer.Single(t => t.Name == conv.Input[1]), null));
        Assert.Equal([0.5f, 5f], TensorData.Read<float>(graph.Proto.Initializer.Single(t => t.Name == conv.Input[2]), null));
        Assert.Equal(2, graph.Proto.Initializer.Count);

        var folded = Path.Combine(temp.Sub("folded"), "model.onnx");
        model.Save(folded);
        float[] x = [1f, -2f, 0.25f, 3f];
        using var a = OrtValue.CreateTensor<float>(x.ToArray(), [1, 1, 2, 2]);
        using var b = OrtValue.CreateTensor<float>(x.ToArray(), [1, 1, 2, 2]);
        var expected = ModelRunner.Run(path, ("x", a))["y"];
        var actual = ModelRunner.Run(folded, ("x", b))["y"];

        // Every value is a product and sum of a few binary fractions: both forms are exact in float32.
        Assert.Equal(expected, actual);
    }

    private static string Write(string folder)
    {
        var g = new GraphProto { Name = "conv_bn" };
        g.Input.Add(QuantTestKit.Value("x", [1, 1, 2, 2]));
        g.Output.Add(QuantTestKit.Value("y", [1, 2, 2, 2]));
        g.Initializer.Add(TensorData.Create<float>("W", [2f, 0.5f], [2, 1, 1, 1]));
        g.Initializer.Add(TensorData.Create<float>("B", [1f, 4f], [2]));
        g.Initializer.Add(TensorData.Create<float>("gamma", [1f, 3f], [2]));
        g.Initializer.Add(TensorData.Create<float>("beta", [0.5f, -1f], [2]));
        g.Initializer.Add(TensorData.Create<float>("mean", [1f, 2f], [2]));
        g.Initializer.Add(TensorData.Create<float>("var", [3f, 0f], [2]));
        var conv = new NodeProto { OpType = "Conv", Name = "conv" };
        conv.Input.AddRange(["x", "W", "B"]);
        conv.Output.Add("c");
        var bn = new NodeProto { OpType = "BatchNormalization", Name = "bn" };
        bn.Input.AddRange(["c", "gamma", "beta", "mean", "var"]);
        bn.Output.Add("y");
        bn.Attribute.Add(new AttributeProto { Name = "epsilon", Type = AttributeProto.Types.AttributeType.Float, F = 1f });
        g.Node.AddRange([conv, bn]);
        var model = new ModelProto { IrVersion = 8, Graph = g, ProducerName = "test" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 13 });
        var path = Path.Combine(folder, "model.onnx");
        OnnxModel.FromProto(model, folder).Save(path);
        return path;
    }
}
