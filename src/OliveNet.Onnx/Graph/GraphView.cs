using OliveNet.Onnx.Protos;

namespace OliveNet.Onnx;

/// <summary>
/// A mutable view over one <see cref="GraphProto"/>: nodes, producer/consumer maps, topological order and
/// nested subgraphs. Maps are built on first use; call <see cref="Invalidate"/> after editing <see cref="Proto"/>.
/// </summary>
public sealed partial class GraphView
{
    private Dictionary<string, NodeProto>? _producers;
    private Dictionary<string, List<NodeProto>>? _consumers;
    private List<GraphView>? _subgraphs;
    private Dictionary<NodeProto, List<GraphView>>? _subgraphsByNode;
    private HashSet<string>? _outerScopeNames;

    /// <summary>Creates a view over <paramref name="proto"/>; <paramref name="path"/> names it in messages.</summary>
    public GraphView(GraphProto proto, string path, GraphView? parent = null, NodeProto? ownerNode = null)
    {
        Proto = proto ?? throw new ArgumentNullException(nameof(proto));
        Path = path;
        Parent = parent;
        OwnerNode = ownerNode;
    }

    /// <summary>The graph proto (live: edits change the model).</summary>
    public GraphProto Proto { get; }

    /// <summary>Where the graph sits, such as <c>main</c> or <c>main/If_3.then_branch</c>.</summary>
    public string Path { get; }

    /// <summary>The enclosing graph, or null for the main graph.</summary>
    public GraphView? Parent { get; }

    /// <summary>The If/Loop/Scan node whose attribute holds this graph, or null for the main graph.</summary>
    public NodeProto? OwnerNode { get; }

    /// <summary>The nodes in file order.</summary>
    public IReadOnlyList<NodeProto> Nodes => Proto.Node;

    /// <summary>The node in this graph that outputs <paramref name="valueName"/>, or null (graph input, initializer or outer scope).</summary>
    public NodeProto? Producer(string valueName)
    {
        EnsureMaps();
        return _producers!.GetValueOrDefault(valueName);
    }

    /// <summary>
    /// Nodes of this graph that read <paramref name="valueName"/>, in node order, including nodes whose
    /// subgraphs use it from the outer scope. Each node appears once.
    /// </summary>
    public IReadOnlyList<NodeProto> Consumers(string valueName)
    {
        EnsureMaps();
        return _consumers!.TryGetValue(valueName, out var list) ? list : [];
    }

    /// <summary>Graphs held directly by attributes of this graph's nodes (If/Loop/Scan bodies), in node order.</summary>
    public IEnumerable<GraphView> Subgraphs()
    {
        EnsureSubgraphs();
        return _subgraphs!;
    }

    /// <summary>The subgraphs held by one node of this graph.</summary>
    public IReadOnlyList<GraphView> SubgraphsOf(NodeProto node)
    {
        EnsureSubgraphs();
        return _subgraphsByNode!.TryGetValue(node, out var list) ? list : [];
    }

    /// <summary>
    /// Names this graph (with its nested subgraphs) reads but does not define: values captured from enclosing scopes.
    /// </summary>
    public IReadOnlySet<string> OuterScopeNames()
    {
        if (_outerScopeNames is null)
        {
            var defined = new HashSet<string>(StringComparer.Ordinal);
            foreach (var i in Proto.Input) { defined.Add(i.Name); }
            foreach (var i in Proto.Initializer) { defined.Add(i.Name); }
            foreach (var s in Proto.SparseInitializer) { defined.Add(s.Values?.Name ?? string.Empty); }
            foreach (var n in Proto.Node)
            {
                foreach (var o in n.Output) { defined.Add(o); }
            }

            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var n in Proto.Node)
            {
                foreach (var name in InputsOf(n))
                {
                    if (name.Length > 0 && !defined.Contains(name))
                    {
                        used.Add(name);
                    }
                }
            }

            foreach (var o in Proto.Output)
            {
                if (!defined.Contains(o.Name))
                {
                    used.Add(o.Name);
                }
            }

            _outerScopeNames = used;
        }

        return _outerScopeNames;
    }

    /// <summary>Drops every cached map and child view; call after editing <see cref="Proto"/>.</summary>
    public void Invalidate()
    {
        _producers = null;
        _consumers = null;
        _subgraphs = null;
        _subgraphsByNode = null;
        _outerScopeNames = null;
        Parent?.InvalidateUpward();
    }

    /// <inheritdoc/>
    public override string ToString() => Path;

    /// <summary>Explicit inputs of <paramref name="node"/> followed by the outer-scope names its subgraphs read.</summary>
    internal IEnumerable<string> InputsOf(NodeProto node)
    {
        foreach (var i in node.Input)
        {
            yield return i;
        }

        foreach (var sub in SubgraphsOf(node))
        {
            foreach (var name in sub.OuterScopeNames())
            {
                yield return name;
            }
        }
    }

    private void InvalidateUpward()
    {
        // A parent's maps include implicit inputs read inside this graph; its child views stay valid.
        _consumers = null;
        _outerScopeNames = null;
        Parent?.InvalidateUpward();
    }

    private void EnsureMaps()
    {
        if (_producers is not null && _consumers is not null)
        {
            return;
        }

        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var n in Proto.Node)
        {
            foreach (var o in n.Output)
            {
                if (o.Length > 0)
                {
                    producers.TryAdd(o, n);
                }
            }

            foreach (var i in InputsOf(n))
            {
                if (i.Length == 0)
                {
                    continue;
                }

                if (!consumers.TryGetValue(i, out var list))
                {
                    consumers[i] = list = [];
                }

                if (list.Count == 0 || !ReferenceEquals(list[^1], n))
                {
                    list.Add(n);
                }
            }
        }

        _producers = producers;
        _consumers = consumers;
    }

    private void EnsureSubgraphs()
    {
        if (_subgraphs is not null && _subgraphsByNode is not null)
        {
            return;
        }

        var all = new List<GraphView>();
        var byNode = new Dictionary<NodeProto, List<GraphView>>(ReferenceEqualityComparer.Instance);
        for (var index = 0; index < Proto.Node.Count; index++)
        {
            var node = Proto.Node[index];
            var label = node.Name.Length > 0 ? node.Name : $"{node.OpType}#{index}";
            List<GraphView>? mine = null;
            foreach (var attr in node.Attribute)
            {
                if (attr.G is not null)
                {
                    (mine ??= []).Add(new GraphView(attr.G, $"{Path}/{label}.{attr.Name}", this, node));
                }

                for (var g = 0; g < attr.Graphs.Count; g++)
                {
                    (mine ??= []).Add(new GraphView(attr.Graphs[g], $"{Path}/{label}.{attr.Name}[{g}]", this, node));
                }
            }

            if (mine is not null)
            {
                byNode[node] = mine;
                all.AddRange(mine);
            }
        }

        _subgraphs = all;
        _subgraphsByNode = byNode;
    }
}
