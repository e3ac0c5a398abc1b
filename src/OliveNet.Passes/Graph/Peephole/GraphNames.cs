using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Graph.Peephole;

/// <summary>Name-level queries and rewrites on one graph and the subgraphs nested in it.</summary>
internal static class GraphNames
{
    /// <summary>Names the graph defines itself: inputs, initializers and node outputs.</summary>
    public static HashSet<string> Defined(GraphProto graph)
    {
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in graph.Input) { defined.Add(i.Name); }
        foreach (var t in graph.Initializer) { defined.Add(t.Name); }
        foreach (var s in graph.SparseInitializer) { defined.Add(s.Values?.Name ?? string.Empty); }
        foreach (var n in graph.Node)
        {
            foreach (var o in n.Output) { defined.Add(o); }
        }

        return defined;
    }

    /// <summary>
    /// Makes every read of <paramref name="from"/> in <paramref name="graph"/>'s nodes read <paramref name="to"/>, including
    /// outer-scope reads inside nested subgraphs (and their outputs) that do not define the name themselves.
    /// The outputs of <paramref name="graph"/> itself are left to the caller.
    /// </summary>
    public static void ReplaceUses(GraphProto graph, string from, string to)
    {
        foreach (var node in graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == from)
                {
                    node.Input[i] = to;
                }
            }

            foreach (var sub in SubgraphProtos(node))
            {
                if (!Defined(sub).Contains(from))
                {
                    ReplaceUses(sub, from, to);
                    foreach (var o in sub.Output)
                    {
                        if (o.Name == from)
                        {
                            o.Name = to;
                        }
                    }
                }
            }
        }
    }

    /// <summary>The graphs held in a node's attributes (If branches, Loop and Scan bodies).</summary>
    public static IEnumerable<GraphProto> SubgraphProtos(NodeProto node)
    {
        foreach (var a in node.Attribute)
        {
            if (a.G is not null)
            {
                yield return a.G;
            }

            foreach (var g in a.Graphs)
            {
                yield return g;
            }
        }
    }

    /// <summary>Explicit inputs of a node followed by the names its subgraphs read from enclosing scopes.</summary>
    public static IEnumerable<string> Reads(GraphView graph, NodeProto node)
    {
        foreach (var i in node.Input)
        {
            if (i.Length > 0)
            {
                yield return i;
            }
        }

        foreach (var sub in graph.SubgraphsOf(node))
        {
            foreach (var name in sub.OuterScopeNames())
            {
                yield return name;
            }
        }
    }

    /// <summary>Whether the op is from the default ONNX domain.</summary>
    public static bool IsOnnx(NodeProto node, string opType) =>
        node.OpType == opType && (node.Domain.Length == 0 || node.Domain == "ai.onnx");

    /// <summary>
    /// The constant tensor behind <paramref name="name"/> in this graph (an initializer that is not also a graph input,
    /// or a Constant node's <c>value</c>), or null.
    /// </summary>
    public static TensorProto? Constant(GraphView graph, string name)
    {
        if (graph.Proto.Input.Any(i => i.Name == name))
        {
            return null;
        }

        var init = graph.Proto.Initializer.FirstOrDefault(t => t.Name == name);
        if (init is not null)
        {
            return init;
        }

        var producer = graph.Producer(name);
        return producer is not null && IsOnnx(producer, "Constant")
            ? producer.Attribute.FirstOrDefault(a => a.Name == "value")?.T
            : null;
    }
}
