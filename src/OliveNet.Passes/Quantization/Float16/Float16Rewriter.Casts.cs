using Google.Protobuf.Collections;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Float16;

/// <summary>The Cast nodes: around blocked nodes and at kept graph inputs and outputs.</summary>
internal sealed partial class Float16Rewriter
{
    /// <summary>
    /// Each blocked node reads float32 copies of its float16 inputs (<c>{node}_input_cast{i}</c>) and its float32 outputs
    /// are narrowed back under their original names (<c>{node}_output_cast{i}</c>), so the rest of the graph sees float16.
    /// </summary>
    private void WrapBlockedNodes(GraphView graph)
    {
        var nodes = graph.Proto.Node;
        if (!nodes.Any(_blocked.Contains))
        {
            return;
        }

        var rewritten = new List<NodeProto>(nodes.Count + 8);
        for (var index = 0; index < nodes.Count; index++)
        {
            var node = nodes[index];
            if (!_blocked.Contains(node))
            {
                rewritten.Add(node);
                continue;
            }

            var name = node.Name.Length > 0 ? node.Name : Unique($"{node.OpType}_{index}");
            for (var i = 0; i < node.Input.Count; i++)
            {
                var input = node.Input[i];
                if (input.Length > 0 && _types.GetValueOrDefault(input) == Float && !_float32Initializers.Contains(input) && !_keptInputs.Contains(input))
                {
                    var widened = Unique($"{name}_input_cast_{i}");
                    rewritten.Add(Cast(Unique($"{name}_input_cast{i}"), input, widened, Float));
                    node.Input[i] = widened;
                }
            }

            rewritten.Add(node);
            for (var i = 0; i < node.Output.Count; i++)
            {
                var output = node.Output[i];
                if (output.Length > 0 && _types.GetValueOrDefault(output) == Float)
                {
                    var wide = Unique($"{name}_output_cast_{i}");
                    node.Output[i] = wide;
                    rewritten.Add(Cast(Unique($"{name}_output_cast{i}"), wide, output, Half));
                }
            }

            Stats.BlockedNodes++;
        }

        Stats.CastsInserted += rewritten.Count - nodes.Count;
        nodes.Clear();
        nodes.AddRange(rewritten);
    }

    /// <summary>
    /// Kept float32 graph inputs are narrowed once by <c>graph_input_cast{i}</c> for every non-blocked reader; kept
    /// float32 outputs are computed in float16 as <c>graph_output_cast_{i}</c> and widened by <c>graph_output_cast{i}</c>.
    /// </summary>
    private void AddBoundaryCasts()
    {
        var g = _model.MainGraph.Proto;
        var first = new List<NodeProto>();
        for (var i = 0; i < g.Input.Count; i++)
        {
            var input = g.Input[i].Name;
            if (_keptInputs.Contains(input))
            {
                var narrow = Unique($"graph_input_cast_{i}");
                Rename(g, input, narrow, producers: false, skipBlocked: true);
                first.Add(Cast(Unique($"graph_input_cast{i}"), input, narrow, Half));
            }
        }

        var last = new List<NodeProto>();
        for (var i = 0; i < g.Output.Count; i++)
        {
            var output = g.Output[i].Name;
            if (!_keptOutputs.Contains(output) || !g.Node.Any(n => n.Output.Contains(output)))
            {
                continue;
            }

            var narrow = Unique($"graph_output_cast_{i}");
            Rename(g, output, narrow, producers: true, skipBlocked: false);
            last.Add(Cast(Unique($"graph_output_cast{i}"), narrow, output, Float));
        }

        for (var i = first.Count - 1; i >= 0; i--)
        {
            g.Node.Insert(0, first[i]);
        }

        g.Node.AddRange(last);
        Stats.CastsInserted += first.Count + last.Count;
    }

    /// <summary>
    /// Points readers of <paramref name="from"/> (nodes of <paramref name="g"/> and of nested bodies that capture it, and
    /// body outputs naming it) at <paramref name="to"/>; with <paramref name="producers"/>, its producer writes <paramref name="to"/>.
    /// </summary>
    private void Rename(GraphProto g, string from, string to, bool producers, bool skipBlocked)
    {
        foreach (var node in g.Node)
        {
            if (!(skipBlocked && _blocked.Contains(node)))
            {
                Replace(node.Input, from, to);
            }

            if (producers)
            {
                Replace(node.Output, from, to);
            }

            foreach (var a in node.Attribute)
            {
                foreach (var body in a.Graphs.Prepend(a.G).OfType<GraphProto>())
                {
                    if (!Defines(body, from))
                    {
                        Rename(body, from, to, producers: false, skipBlocked);
                        foreach (var o in body.Output.Where(o => o.Name == from))
                        {
                            o.Name = to;
                        }
                    }
                }
            }
        }
    }

    private static bool Defines(GraphProto g, string name) =>
        g.Input.Any(v => v.Name == name) || g.Initializer.Any(t => t.Name == name) || g.Node.Any(n => n.Output.Contains(name));

    private static void Replace(RepeatedField<string> names, string from, string to)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == from)
            {
                names[i] = to;
            }
        }
    }

    private string Unique(string name)
    {
        var candidate = name;
        for (var k = 1; !_usedNames.Add(candidate); k++)
        {
            candidate = $"{name}_{k}";
        }

        return candidate;
    }

    private static NodeProto Cast(string name, string input, string output, int to)
    {
        var node = new NodeProto { Name = name, OpType = "Cast" };
        node.Input.Add(input);
        node.Output.Add(output);
        node.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = to });
        return node;
    }
}
