using OliveNet.Onnx.Protos;

namespace OliveNet.Onnx;

/// <summary>Topological ordering of a graph's nodes.</summary>
public sealed partial class GraphView
{
    /// <summary>
    /// The nodes ordered so each comes after the producers of its inputs (explicit and outer-scope reads by
    /// subgraphs). Stable: among ready nodes the earliest in file order goes first, so a sorted graph keeps its order.
    /// </summary>
    /// <exception cref="OnnxFormatException">The graph has a cycle.</exception>
    public IReadOnlyList<NodeProto> TopologicalOrder()
    {
        var nodes = Proto.Node;
        var producerIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var o in nodes[i].Output)
            {
                if (o.Length > 0)
                {
                    producerIndex.TryAdd(o, i);
                }
            }
        }

        var pending = new int[nodes.Count];
        var dependents = new List<int>[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            var seen = new HashSet<int>();
            foreach (var name in InputsOf(nodes[i]))
            {
                if (producerIndex.TryGetValue(name, out var p) && p != i && seen.Add(p))
                {
                    (dependents[p] ??= []).Add(i);
                    pending[i]++;
                }
                else if (p == i && producerIndex.ContainsKey(name))
                {
                    throw Cycle(nodes[i]);
                }
            }
        }

        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < nodes.Count; i++)
        {
            if (pending[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }

        var order = new List<NodeProto>(nodes.Count);
        while (ready.TryDequeue(out var i, out _))
        {
            order.Add(nodes[i]);
            if (dependents[i] is { } deps)
            {
                foreach (var d in deps)
                {
                    if (--pending[d] == 0)
                    {
                        ready.Enqueue(d, d);
                    }
                }
            }
        }

        if (order.Count != nodes.Count)
        {
            var stuck = Enumerable.Range(0, nodes.Count).First(i => pending[i] > 0);
            throw Cycle(nodes[stuck]);
        }

        return order;
    }

    private OnnxFormatException Cycle(NodeProto node) => new(
        $"Graph '{Path}' has a cycle through node '{(node.Name.Length > 0 ? node.Name : node.OpType)}' " +
        $"(outputs {string.Join(", ", node.Output)}). ONNX graphs must be acyclic; fix the edit that created the loop.");
}
