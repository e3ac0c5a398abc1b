using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Graph.Peephole;

/// <summary>Removes what no graph output depends on: nodes, initializers, and value infos of names that no longer exist.</summary>
internal static class DeadCode
{
    /// <summary>
    /// Removes nodes none of whose outputs reach a graph output, counting outer-scope reads by nested subgraphs as
    /// uses. ONNX operators have no side effects, so such nodes cannot change any result. Returns how many.
    /// </summary>
    public static int RemoveDeadNodes(GraphView graph)
    {
        var live = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<string>(graph.Proto.Output.Select(o => o.Name));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            if (!seen.Add(name) || graph.Producer(name) is not { } producer || !live.Add(producer))
            {
                continue;
            }

            foreach (var read in GraphNames.Reads(graph, producer))
            {
                pending.Push(read);
            }
        }

        var dead = graph.Nodes.Where(n => !live.Contains(n)).ToList();
        foreach (var n in dead)
        {
            graph.Proto.Node.Remove(n);
        }

        if (dead.Count > 0)
        {
            graph.Invalidate();
        }

        return dead.Count;
    }

    /// <summary>
    /// Removes initializers no node reads (directly or from a nested subgraph) and that are not graph outputs.
    /// Initializers also listed as graph inputs are kept: they are part of the model's interface. Returns how many.
    /// </summary>
    public static int RemoveUnusedInitializers(GraphView graph)
    {
        var proto = graph.Proto;
        var keep = proto.Input.Select(i => i.Name).Concat(proto.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        var unused = proto.Initializer.Where(t => !keep.Contains(t.Name) && graph.Consumers(t.Name).Count == 0).ToList();
        foreach (var t in unused)
        {
            proto.Initializer.Remove(t);
        }

        if (unused.Count > 0)
        {
            graph.Invalidate();
        }

        return unused.Count;
    }

    /// <summary>Drops value infos for names the graph no longer defines or reads.</summary>
    public static void RemoveStaleValueInfo(GraphView graph)
    {
        var proto = graph.Proto;
        var known = GraphNames.Defined(proto);
        foreach (var n in proto.Node)
        {
            foreach (var name in GraphNames.Reads(graph, n))
            {
                known.Add(name);
            }
        }

        var stale = proto.ValueInfo.Where(v => !known.Contains(v.Name)).ToList();
        foreach (var v in stale)
        {
            proto.ValueInfo.Remove(v);
        }
    }
}
