using OliveNet.Onnx.Protos;

namespace OliveNet.Onnx.Tests.Graph;

public class GraphViewTests
{
    [Fact]
    public void Topological_order_restores_a_shuffled_chain_and_keeps_a_sorted_graph_as_is()
    {
        // x -> A -> a -> B -> b -> C -> c ; D reads x and c.
        var sorted = new[] { Node("A", ["x"], ["a"]), Node("B", ["a"], ["b"]), Node("C", ["b"], ["c"]), Node("D", ["x", "c"], ["d"]) };
        var view = new GraphView(Graph(sorted), "main");
        Assert.Equal(sorted, view.TopologicalOrder());

        var shuffled = new GraphView(Graph([sorted[3], sorted[1], sorted[0], sorted[2]]), "main");
        Assert.Equal(["A", "B", "C", "D"], shuffled.TopologicalOrder().Select(n => n.Name));
    }

    [Fact]
    public void Topological_order_is_stable_for_independent_nodes()
    {
        var nodes = new[] { Node("P", ["x"], ["p"]), Node("Q", ["x"], ["q"]), Node("R", ["x"], ["r"]) };
        var view = new GraphView(Graph(nodes), "main");
        Assert.Equal(["P", "Q", "R"], view.TopologicalOrder().Select(n => n.Name));
    }

    [Fact]
    public void A_cycle_is_reported_with_a_node_name()
    {
        var view = new GraphView(Graph([Node("A", ["b"], ["a"]), Node("B", ["a"], ["b"])]), "main");
        var ex = Assert.Throws<OnnxFormatException>(() => view.TopologicalOrder());
        Assert.Contains("cycle", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'main'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Producer_and_consumers_follow_the_edges()
    {
        var a = Node("A", ["x"], ["a"]);
        var b = Node("B", ["a", "a"], ["b"]);
        var c = Node("C", ["a", "x"], ["c"]);
        var view = new GraphView(Graph([a, b, c]), "main");
        Assert.Same(a, view.Producer("a"));
        Assert.Null(view.Producer("x"));
        Assert.Equal([b, c], view.Consumers("a")); // B reads it twice but is listed once
        Assert.Equal([a, c], view.Consumers("x"));
        Assert.Empty(view.Consumers("c"));
    }

    [Fact]
    public void Consumers_include_nodes_whose_subgraph_reads_an_outer_value()
    {
        var branch = Graph([Node("Inner", ["outer", "local"], ["o"]), Node("Local", [], ["local"])]);
        branch.Output.Add(new ValueInfoProto { Name = "o" });
        var ifNode = Node("If", ["cond"], ["y"]);
        ifNode.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = branch });
        var producer = Node("P", ["x"], ["outer"]);
        var view = new GraphView(Graph([ifNode, producer]), "main");
        Assert.Equal([ifNode], view.Consumers("outer"));
        Assert.Empty(view.Consumers("local"));
        Assert.Equal(["P", "If"], view.TopologicalOrder().Select(n => n.Name)); // the implicit input orders If after P
        var sub = Assert.Single(view.Subgraphs());
        Assert.Equal("main/If.then_branch", sub.Path);
        Assert.Same(view, sub.Parent);
    }

    [Fact]
    public void Invalidate_picks_up_edits()
    {
        var proto = Graph([Node("A", ["x"], ["a"])]);
        var view = new GraphView(proto, "main");
        Assert.Empty(view.Consumers("a"));
        proto.Node.Add(Node("B", ["a"], ["b"]));
        view.Invalidate();
        Assert.Single(view.Consumers("a"));
    }

    [Fact]
    public void Silero_vad_has_25_if_nodes_and_50_branch_graphs()
    {
        var model = OnnxModel.Load(TestData.SileroVad);
        var graphs = model.AllGraphs().ToList();
        var ifNodes = graphs.SelectMany(g => g.Nodes).Count(n => n.OpType == "If");
        Assert.Equal(25, ifNodes);
        Assert.Equal(1 + 50, graphs.Count);
        Assert.Equal(graphs.Count, graphs.Select(g => g.Path).Distinct().Count());
        Assert.All(graphs.Skip(1), g => Assert.NotNull(g.Parent));
        Assert.All(graphs, g => Assert.Equal(g.Nodes.Count, g.TopologicalOrder().Count));
        Assert.Same(graphs[0], model.MainGraph);
    }

    private static GraphProto Graph(NodeProto[] nodes)
    {
        var g = new GraphProto { Name = "g" };
        g.Node.Add(nodes);
        return g;
    }

    private static NodeProto Node(string name, string[] inputs, string[] outputs)
    {
        var n = new NodeProto { Name = name, OpType = "Op" };
        n.Input.Add(inputs);
        n.Output.Add(outputs);
        return n;
    }
}
