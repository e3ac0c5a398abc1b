using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Fusion;

namespace OliveNet.Passes.Tests.Fusion;

public sealed class DuplicateInitializersTests
{
    [Fact]
    public void Identical_repeats_in_a_subgraph_are_dropped_and_other_initializers_kept()
    {
        var branch = new GraphProto { Name = "then" };
        branch.Initializer.Add(TensorData.Create<long>("splits", [129, 129], [2]));
        branch.Initializer.Add(TensorData.Create<long>("splits", [129, 129], [2]));
        branch.Initializer.Add(TensorData.Create<float>("w", [1f], [1]));
        var model = ModelWithIf(branch);

        Assert.Equal(1, DuplicateInitializers.Remove(model, baseDirectory: null));
        Assert.Equal(["splits", "w"], branch.Initializer.Select(t => t.Name));
    }

    [Fact]
    public void Repeats_with_different_contents_fail_the_pass_naming_the_tensor_and_graph()
    {
        var branch = new GraphProto { Name = "else" };
        branch.Initializer.Add(TensorData.Create<long>("splits", [129, 129], [2]));
        branch.Initializer.Add(TensorData.Create<long>("splits", [65, 65], [2]));

        var ex = Assert.Throws<PassFailedException>(() => DuplicateInitializers.Remove(ModelWithIf(branch), baseDirectory: null));
        Assert.Contains("'splits'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'else'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, branch.Initializer.Count);
    }

    [Fact]
    public void The_same_name_in_sibling_graphs_is_not_a_repeat()
    {
        var then = new GraphProto { Name = "then" };
        then.Initializer.Add(TensorData.Create<long>("splits", [129, 129], [2]));
        var model = ModelWithIf(then);
        model.Graph.Initializer.Add(TensorData.Create<long>("splits", [65, 65], [2]));

        Assert.Equal(0, DuplicateInitializers.Remove(model, baseDirectory: null));
    }

    private static ModelProto ModelWithIf(GraphProto branch)
    {
        var node = new NodeProto { OpType = "If", Name = "if" };
        node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = branch });
        var graph = new GraphProto { Name = "main" };
        graph.Node.Add(node);
        return new ModelProto { Graph = graph };
    }
}
