using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Dynamic;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Quantization.Common;

/// <summary>
/// Raising ai.onnx opset 9 to 13 converts each op whose form changed, and the raised model computes what the original did:
/// both run in ONNX Runtime (its opset-9 kernels for the original, opset-13 kernels for the raised one) on the same input.
/// </summary>
public sealed class OpsetUpgradeTests
{
    private static readonly long[] Shape = [2, 3, 4];

    /// <summary>
    /// x [2,3,4] → Unsqueeze(axes [0]) → Squeeze(axes [0]) → Clip(min −0.5, max 0.5) → Softmax(axis 1) → ReduceSum(axes [2])
    /// and x → Softmax(axis 2) → LogSoftmax (default axis 1) → Split(axis 2, split [1, 3]). Softmax-9 with axis 1 on a
    /// rank-3 tensor normalises over the 12 values of each batch row (the 2-D coercion), Softmax-13 over axis 1 only; the
    /// upgrade must keep the former. Softmax(axis 2) is the last axis and means the same in both.
    /// </summary>
    [Fact]
    public void An_opset_9_model_raised_to_13_gives_the_same_outputs_and_uses_opset_13_forms()
    {
        using var temp = new TempFolder();
        var original = Write(temp.Path);
        var model = OnnxModel.Load(original);
        var converted = OpsetUpgrade.Apply(model, 9, 13, new UniqueNames(model));
        var raised = Path.Combine(temp.Sub("raised"), "model.onnx");
        model.Save(raised);

        // Unsqueeze, Squeeze, Clip, two Softmax, LogSoftmax, ReduceSum, Split.
        Assert.Equal(8, converted);
        Assert.Equal(13, model.OpsetImports[string.Empty]);
        var nodes = model.MainGraph.Nodes;
        Assert.All(nodes, n => Assert.DoesNotContain(n.Attribute, a => a.Name is "axes" or "split" or "min" or "max"));
        Assert.Equal(2, nodes.Count(n => n.OpType == "Flatten"));
        Assert.Contains(nodes, n => n.OpType == "Softmax" && n.Input[0] == "x" && n.Output[0] == "s2");

        var x = ModelRunner.SeededFloats(24, 3).Select(v => v * 4).ToArray();
        var expected = Run(original, x);
        var actual = Run(raised, x);
        foreach (var (name, values) in expected)
        {
            // Same float kernels on the same values in the same order: identical up to summation order inside the
            // softmax (a few ulp of values ≤ 1), so 1e-6 absolute.
            Assert.True(ModelRunner.MaxAbsDiff(values, actual[name]) <= 1e-6, $"{name}: max |diff| {ModelRunner.MaxAbsDiff(values, actual[name])}");
        }
    }

    [Fact]
    public void An_opset_9_model_with_Upsample_is_refused_naming_the_op_and_the_target()
    {
        using var temp = new TempFolder();
        var model = OnnxModel.Load(Write(temp.Path));
        var node = new NodeProto { OpType = "Upsample", Name = "up" };
        node.Input.Add("x");
        node.Output.Add("up_out");
        model.MainGraph.Proto.Node.Add(node);
        var ex = Assert.Throws<InvalidOperationException>(() => OpsetUpgrade.Apply(model, 9, 13, new UniqueNames(model)));
        Assert.Contains("Upsample, whose meaning changed by opset 13", ex.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, float[]> Run(string path, float[] x)
    {
        using var value = OrtValue.CreateTensor<float>(x, Shape);
        return ModelRunner.Run(path, ("x", value));
    }

    private static string Write(string folder)
    {
        var g = new GraphProto { Name = "opset9" };
        g.Input.Add(QuantTestKit.Value("x", Shape));
        g.Node.Add(Node("Unsqueeze", ["x"], ["u"], ("axes", [0])));
        g.Node.Add(Node("Squeeze", ["u"], ["s"], ("axes", [0])));
        var clip = Node("Clip", ["s"], ["c"]);
        clip.Attribute.Add(new AttributeProto { Name = "min", Type = AttributeProto.Types.AttributeType.Float, F = -0.5f });
        clip.Attribute.Add(new AttributeProto { Name = "max", Type = AttributeProto.Types.AttributeType.Float, F = 0.5f });
        g.Node.Add(clip);
        g.Node.Add(Node("Softmax", ["c"], ["s1"], ("axis", null)));
        g.Node.Add(Node("ReduceSum", ["s1"], ["y1"], ("axes", [2])));
        g.Node.Add(Node("Softmax", ["x"], ["s2"], ("axis", null)));
        g.Node[^1].Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 2 });
        g.Node.Add(Node("LogSoftmax", ["s2"], ["l"]));
        g.Node.Add(Node("Split", ["l"], ["y2", "y3"], ("split", [1, 3])));
        g.Node[^1].Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 2 });
        g.Node[3].Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        g.Output.Add(QuantTestKit.Value("y1", [2, 3, 1]));
        g.Output.Add(QuantTestKit.Value("y2", [2, 3, 1]));
        g.Output.Add(QuantTestKit.Value("y3", [2, 3, 3]));
        var model = new ModelProto { IrVersion = 4, Graph = g, ProducerName = "test" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 9 });
        var path = Path.Combine(folder, "model.onnx");
        OnnxModel.FromProto(model, folder).Save(path);
        return path;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, (string Name, long[]? Ints)? list = null)
    {
        var n = new NodeProto { OpType = op, Name = op + "_" + outputs[0] };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        if (list is { Ints: { } ints } l)
        {
            var a = new AttributeProto { Name = l.Name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.AddRange(ints);
            n.Attribute.Add(a);
        }

        return n;
    }
}
