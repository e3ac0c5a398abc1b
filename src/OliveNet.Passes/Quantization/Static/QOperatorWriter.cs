using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Dynamic;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>
/// Turns the QDQ layout <see cref="QdqQuantizer"/> wrote into ONNX Runtime's QOperator layout, so both formats share one
/// set of ranges, quantized weights and int32 biases. Each quantized node whose inputs come from DequantizeLinear and whose
/// output goes only to a QuantizeLinear becomes its QLinear form reading those quantized tensors, scales and zero points
/// directly (input orders as in <see cref="QOperatorWriter"/>'s op table); the QuantizeLinear it fed disappears, and
/// DequantizeLinear nodes stay only where a float op or a graph output still reads a quantized tensor. A node that does
/// not match (say its output is only a graph output, so it got no QuantizeLinear) keeps its QDQ form, which ONNX Runtime
/// still fuses at load.
/// </summary>
internal static partial class QOperatorWriter
{
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>Rewrites <paramref name="targets"/> (nodes of <paramref name="model"/>'s main graph) in place.</summary>
    public static QOperatorStats Rewrite(OnnxModel model, IEnumerable<NodeProto> targets)
    {
        var graph = model.MainGraph;
        var context = new Context(graph, new UniqueNames(model), model.OpsetImports.GetValueOrDefault(string.Empty));
        var replacements = new Dictionary<NodeProto, NodeProto[]>(ReferenceEqualityComparer.Instance);
        var left = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in targets)
        {
            if (Convert(context, node) is { } converted)
            {
                replacements[node] = converted;
            }
            else
            {
                left[node.OpType] = left.GetValueOrDefault(node.OpType) + 1;
            }
        }

        var nodes = new List<NodeProto>(graph.Proto.Node.Count);
        foreach (var node in graph.Proto.Node)
        {
            if (replacements.TryGetValue(node, out var replacement))
            {
                nodes.AddRange(replacement);
            }
            else if (!context.Absorbed.Contains(node))
            {
                nodes.Add(node);
            }
        }

        var candidates = context.Absorbed.Concat(replacements.Keys).SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        graph.Proto.Node.Clear();
        graph.Proto.Node.AddRange(nodes);
        RemoveUnread(graph, candidates);
        if (graph.Proto.Node.Any(n => n.Domain == MicrosoftDomain) && !model.Proto.OpsetImport.Any(o => o.Domain == MicrosoftDomain))
        {
            model.Proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        return new QOperatorStats(
            replacements.Values.Select(r => r.First(n => n.OpType != "DequantizeLinear")).GroupBy(n => n.OpType)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            left,
            graph.Proto.Node.Count(n => n.OpType == "QuantizeLinear"),
            graph.Proto.Node.Count(n => n.OpType == "DequantizeLinear"));
    }

    /// <summary>
    /// Drops Q/DQ nodes nothing reads any more (weights, biases and activations now read quantized), then
    /// the initializers among <paramref name="candidates"/> (inputs of removed nodes) that nothing reads.
    /// </summary>
    private static void RemoveUnread(GraphView graph, HashSet<string> candidates)
    {
        var p = graph.Proto;
        var outputs = p.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        bool removed;
        do
        {
            var read = p.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
            var dead = p.Node.Where(n => n.OpType is "DequantizeLinear" or "QuantizeLinear" && n.Domain is "" or "ai.onnx" &&
                !read.Contains(n.Output[0]) && !outputs.Contains(n.Output[0])).ToList();
            foreach (var dq in dead)
            {
                candidates.UnionWith(dq.Input);
                p.Node.Remove(dq);
            }

            removed = dead.Count > 0;
        }
        while (removed);

        var stillRead = p.Node.SelectMany(n => n.Input).Concat(outputs).ToHashSet(StringComparer.Ordinal);
        var unread = p.Initializer.Where(t => candidates.Contains(t.Name) && !stillRead.Contains(t.Name)).ToList();
        foreach (var t in unread)
        {
            p.Initializer.Remove(t);
        }

        graph.Invalidate();
    }

    /// <summary>What the graph looks like around the node being converted, and what conversions consumed.</summary>
    private sealed class Context(GraphView graph, UniqueNames names, long opset)
    {
        public GraphView Graph { get; } = graph;

        public UniqueNames Names { get; } = names;

        public long Opset { get; } = opset;

        public HashSet<string> GraphOutputs { get; } = graph.Proto.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

        /// <summary>QuantizeLinear nodes whose work the QLinear ops now do.</summary>
        public HashSet<NodeProto> Absorbed { get; } = new(ReferenceEqualityComparer.Instance);
    }
}
