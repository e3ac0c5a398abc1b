using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Fusion;

/// <summary>
/// Makes a model written by ONNX Runtime serialize the same way every time: the parts whose order carries no meaning
/// (initializers, value infos, opset imports) go in ordinal name order, and nodes ORT created get names from their
/// position, because ORT numbers them while iterating pointer-keyed maps (seen at level 99: the NCHWc transformer's
/// <c>ReorderOutput_token_N</c> names change run to run). Node names carry no semantics; value names are kept.
/// </summary>
internal static class ModelCanonicalizer
{
    /// <summary>Canonicalizes <paramref name="model"/> in place; names in <paramref name="sourceNodeNames"/> are kept.</summary>
    public static void Canonicalize(ModelProto model, IReadOnlySet<string> sourceNodeNames)
    {
        // ORT writes an import for every domain it knows; keep the default domain, the ones nodes use, and functions' domains.
        var used = new HashSet<string>(StringComparer.Ordinal) { string.Empty, "ai.onnx" };
        if (model.Graph is not null)
        {
            CollectDomains(model.Graph, used);
        }

        foreach (var function in model.Functions)
        {
            used.Add(function.Domain);
            foreach (var node in function.Node)
            {
                used.Add(node.Domain);
            }
        }

        var imports = model.OpsetImport.Where(o => used.Contains(o.Domain)).OrderBy(o => o.Domain, StringComparer.Ordinal).ToList();
        model.OpsetImport.Clear();
        model.OpsetImport.AddRange(imports);
        if (model.Graph is not null)
        {
            Canonicalize(model.Graph, sourceNodeNames);
        }
    }

    private static void CollectDomains(GraphProto graph, HashSet<string> domains)
    {
        foreach (var node in graph.Node)
        {
            domains.Add(node.Domain);
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is not null)
                {
                    CollectDomains(attribute.G, domains);
                }

                foreach (var sub in attribute.Graphs)
                {
                    CollectDomains(sub, domains);
                }
            }
        }
    }

    /// <summary>Every node name in a model's graphs at any depth.</summary>
    public static HashSet<string> NodeNames(ModelProto model)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (model.Graph is not null)
        {
            Collect(model.Graph, names);
        }

        return names;
    }

    private static void Collect(GraphProto graph, HashSet<string> names)
    {
        foreach (var node in graph.Node)
        {
            names.Add(node.Name);
            foreach (var sub in Subgraphs(node))
            {
                Collect(sub, names);
            }
        }
    }

    private static IEnumerable<GraphProto> Subgraphs(NodeProto node) =>
        node.Attribute.SelectMany(a => a.G is null ? a.Graphs : a.Graphs.Prepend(a.G));

    private static void Canonicalize(GraphProto graph, IReadOnlySet<string> sourceNodeNames)
    {
        var taken = graph.Node.Select(n => n.Name).Where(sourceNodeNames.Contains).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (node.Name.Length > 0 && sourceNodeNames.Contains(node.Name))
            {
                continue;
            }

            var name = $"{node.OpType}_ort_{i}";
            for (var k = 1; !taken.Add(name); k++)
            {
                name = $"{node.OpType}_ort_{i}_{k}";
            }

            node.Name = name;
        }

        var initializers = graph.Initializer.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        var infos = graph.ValueInfo.OrderBy(v => v.Name, StringComparer.Ordinal).ToList();
        graph.ValueInfo.Clear();
        graph.ValueInfo.AddRange(infos);
        foreach (var node in graph.Node)
        {
            foreach (var sub in Subgraphs(node))
            {
                Canonicalize(sub, sourceNodeNames);
            }
        }
    }
}
