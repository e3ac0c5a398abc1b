using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Graph.Peephole;

/// <summary>
/// Constant folding limited to ops that only relabel dimensions (Reshape, Squeeze, Unsqueeze) of an inline constant:
/// the folded initializer has the same bytes under new dims, so folding is exact by construction. Nodes whose output
/// is a graph output, whose data is external or whose shape cannot be worked out are left alone.
/// </summary>
internal static class ShapeFolding
{
    public static int Fold(GraphView graph, string? baseDirectory)
    {
        var folded = 0;
        var outputs = graph.Proto.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var node in graph.Nodes.ToList())
        {
            if (node.Output.Count != 1 || node.Input.Count == 0 || outputs.Contains(node.Output[0]) ||
                !(GraphNames.IsOnnx(node, "Reshape") || GraphNames.IsOnnx(node, "Squeeze") || GraphNames.IsOnnx(node, "Unsqueeze")))
            {
                continue;
            }

            var data = GraphNames.Constant(graph, node.Input[0]);
            if (data is null || TensorData.IsExternal(data) || (OnnxDataType)data.DataType == OnnxDataType.String)
            {
                continue;
            }

            var dims = OutputDims(graph, node, data.Dims.ToArray(), baseDirectory);
            if (dims is null || Product(dims) != TensorData.ElementCount(data))
            {
                continue;
            }

            var result = data.Clone();
            result.Name = node.Output[0];
            result.Dims.Clear();
            result.Dims.AddRange(dims);
            graph.Proto.Node.Remove(node);
            graph.Proto.Initializer.Add(result);
            graph.Invalidate();
            folded++;
        }

        return folded;
    }

    private static long[]? OutputDims(GraphView graph, NodeProto node, long[] input, string? baseDirectory)
    {
        if (node.OpType == "Reshape")
        {
            var shape = Ints(graph, node, 1, null, baseDirectory);
            return shape is null ? null : ReshapeDims(input, shape, node.Attribute.Any(a => a.Name == "allowzero" && a.I != 0));
        }

        var axes = Ints(graph, node, 1, "axes", baseDirectory);
        if (node.OpType == "Unsqueeze")
        {
            if (axes is null)
            {
                return null;
            }

            var rank = input.Length + axes.Length;
            var positions = axes.Select(a => a < 0 ? a + rank : a).ToHashSet();
            if (positions.Count != axes.Length || positions.Any(a => a < 0 || a >= rank))
            {
                return null;
            }

            var result = new long[rank];
            for (int i = 0, j = 0; i < rank; i++)
            {
                result[i] = positions.Contains(i) ? 1 : input[j++];
            }

            return result;
        }

        if (axes is null)
        {
            return node.Input.Count > 1 && node.Input[1].Length > 0 ? null : input.Where(d => d != 1).ToArray();
        }

        var squeezed = axes.Select(a => a < 0 ? a + input.Length : a).ToHashSet();
        return squeezed.Any(a => a < 0 || a >= input.Length || input[a] != 1)
            ? null
            : input.Where((_, i) => !squeezed.Contains(i)).ToArray();
    }

    private static long[]? ReshapeDims(long[] input, long[] shape, bool allowZero)
    {
        var result = new long[shape.Length];
        var infer = -1;
        for (var i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (infer >= 0)
                {
                    return null;
                }

                infer = i;
            }
            else if (shape[i] == 0 && !allowZero)
            {
                if (i >= input.Length)
                {
                    return null;
                }

                result[i] = input[i];
            }
            else if (shape[i] < 0)
            {
                return null;
            }
            else
            {
                result[i] = shape[i];
            }
        }

        if (infer >= 0)
        {
            var known = result.Where((_, i) => i != infer).Aggregate(1L, (a, b) => a * b);
            if (known == 0 || Product(input) % known != 0)
            {
                return null;
            }

            result[infer] = Product(input) / known;
        }

        return result;
    }

    /// <summary>Integers from an attribute (opsets before 13) or else a constant int64 input.</summary>
    private static long[]? Ints(GraphView graph, NodeProto node, int inputIndex, string? attribute, string? baseDirectory)
    {
        if (attribute is not null && node.Attribute.FirstOrDefault(a => a.Name == attribute) is { } attr)
        {
            return attr.Ints.ToArray();
        }

        if (node.Input.Count <= inputIndex || node.Input[inputIndex].Length == 0)
        {
            return null;
        }

        var t = GraphNames.Constant(graph, node.Input[inputIndex]);
        return t is not null && (OnnxDataType)t.DataType == OnnxDataType.Int64 ? TensorData.Read<long>(t, baseDirectory) : null;
    }

    private static long Product(IEnumerable<long> dims) => dims.Aggregate(1L, (a, b) => a * b);
}
