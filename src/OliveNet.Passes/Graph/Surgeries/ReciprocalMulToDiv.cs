using OliveNet.Onnx;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>
/// Olive's ReciprocalMulToDiv: <c>Mul(a, Reciprocal(x))</c> (either operand order) becomes <c>Div(a, x)</c> in every
/// graph, when nothing else reads the Reciprocal's output. The Mul's output name is kept. a·(1/x) and a/x round
/// differently, by at most about one unit in the last place.
/// </summary>
internal sealed class ReciprocalMulToDiv : ISurgeon
{
    private static readonly int[] Sides = [1, 0];

    /// <inheritdoc/>
    public string Apply(OnnxModel model, SurgeryNames names)
    {
        var count = 0;
        foreach (var graph in model.AllGraphs().ToList())
        {
            var g = graph.Proto;
            var outputs = g.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < g.Node.Count; i++)
            {
                var mul = g.Node[i];
                if (mul is not { OpType: "Mul", Domain: "" } || mul.Input.Count != 2)
                {
                    continue;
                }

                // The pattern's Reciprocal is Mul's second operand; the commuted form its first.
                foreach (var side in Sides)
                {
                    if (graph.Producer(mul.Input[side]) is not { OpType: "Reciprocal", Domain: "" } reciprocal
                        || graph.Consumers(mul.Input[side]).Count != 1 || outputs.Contains(mul.Input[side]))
                    {
                        continue;
                    }

                    var div = SurgeryGraph.Node("Div", names.Take(SurgeryGraph.Derived(mul.Name.Length > 0 ? mul.Name : mul.Output[0], "Mul", "Div")),
                        [mul.Input[1 - side], reciprocal.Input[0]], mul.Output);
                    g.Node[i] = div;
                    g.Node.Remove(reciprocal);
                    graph.Invalidate();
                    i = -1;
                    count++;
                    break;
                }
            }
        }

        return $"{count} Reciprocal → Mul pair(s) rewritten as Div";
    }
}
