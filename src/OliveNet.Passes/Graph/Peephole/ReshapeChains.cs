using OliveNet.Onnx;

namespace OliveNet.Passes.Graph.Peephole;

/// <summary>
/// Folds Reshape → Reshape: the outer Reshape reads the inner one's input directly. Exact whenever the outer target
/// shape is a constant without 0 entries (0 copies a dimension of its input, which would change meaning); -1 is fine
/// because the element count is the same either way. The inner Reshape is left for dead-node removal.
/// </summary>
internal static class ReshapeChains
{
    public static int Fold(GraphView graph, string? baseDirectory)
    {
        var folded = 0;
        foreach (var outer in graph.Nodes.ToList())
        {
            if (!GraphNames.IsOnnx(outer, "Reshape") || outer.Input.Count < 2)
            {
                continue;
            }

            var inner = graph.Producer(outer.Input[0]);
            if (inner is null || !GraphNames.IsOnnx(inner, "Reshape") || inner.Input.Count < 2 || inner.Input[0].Length == 0)
            {
                continue;
            }

            var allowZero = outer.Attribute.Any(a => a.Name == "allowzero" && a.I != 0);
            var shape = GraphNames.Constant(graph, outer.Input[1]);
            if (shape is null || (OnnxDataType)shape.DataType != OnnxDataType.Int64 ||
                (!allowZero && TensorData.Read<long>(shape, baseDirectory).Contains(0)))
            {
                continue;
            }

            outer.Input[0] = inner.Input[0];
            graph.Invalidate();
            folded++;
        }

        return folded;
    }
}
