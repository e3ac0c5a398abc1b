namespace OliveNet.Onnx.Tests.Model;

public class OnnxModelWeightsTests
{
    [Theory]
    [InlineData("rec")]
    [InlineData("det")]
    public void Paddle_models_count_their_constant_node_weights(string which)
    {
        var model = OnnxModel.Load(which == "rec" ? TestData.OcrRec : TestData.OcrDet);
        Assert.Empty(model.Proto.Graph.Initializer);

        // Independent count straight from the proto: every Constant node's `value` tensor elements.
        long expected = model.Proto.Graph.Node
            .Where(n => n.OpType == "Constant")
            .SelectMany(n => n.Attribute.Where(a => a.Name == "value"))
            .Sum(a => a.T.Dims.Aggregate(1L, (p, d) => p * d));

        var weights = model.Weights().ToList();
        Assert.All(weights, w => Assert.Equal(WeightKind.ConstantNode, w.Kind));
        long counted = weights.Sum(w => TensorData.ElementCount(w.Tensor));
        Assert.Equal(expected, counted);
        Assert.True(counted > 1_000_000, $"{which}: {counted} parameters");
        if (which == "rec")
        {
            // The reference notes give ~2.69 M parameters for PP-OCRv4 rec; allow 10% either way.
            Assert.InRange(counted, 2_420_000, 2_960_000);
        }

        Assert.All(weights, w => Assert.Same(w.ConstantNode!.Attribute.First(a => a.Name == "value").T, w.Tensor));
    }

    [Fact]
    public void Constant_scalar_attributes_become_small_weights()
    {
        var graph = new Protos.GraphProto { Name = "g" };
        var node = new Protos.NodeProto { OpType = "Constant", Output = { "c" } };
        node.Attribute.Add(new Protos.AttributeProto { Name = "value_ints", Type = Protos.AttributeProto.Types.AttributeType.Ints, Ints = { 1, -1 } });
        graph.Node.Add(node);
        var model = OnnxModel.FromProto(new Protos.ModelProto { IrVersion = 8, Graph = graph }, null);
        var w = Assert.Single(model.Weights());
        Assert.Equal("c", w.Name);
        Assert.Equal(new[] { 1L, -1L }, TensorData.Read<long>(w.Tensor, null));
    }

    [Fact]
    public void Silero_vad_weights_inside_if_branches_are_found()
    {
        var model = OnnxModel.Load(TestData.SileroVad);
        var weights = model.Weights().ToList();
        Assert.Contains(weights, w => w.Graph.Parent is not null && w.Kind == WeightKind.ConstantNode);
        var inSubgraphs = model.AllGraphs().Skip(1)
            .Sum(g => g.Proto.Node.Count(n => n.OpType == "Constant") + g.Proto.Initializer.Count);
        Assert.Equal(inSubgraphs, weights.Count(w => w.Graph.Parent is not null));
    }
}
