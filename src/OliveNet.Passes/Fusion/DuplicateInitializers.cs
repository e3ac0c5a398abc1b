using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Fusion;

/// <summary>
/// Repairs one defect of the files ONNX Runtime writes: at level 2 it can list the same initializer twice in an
/// <c>If</c> branch (seen on Silero VAD: two identical <c>splits</c> tensors in each branch after it turns Slice pairs
/// into a Split), and ORT itself then refuses to load the file ("initializer name is not unique").
/// </summary>
internal static class DuplicateInitializers
{
    /// <summary>
    /// Drops every repeat of an initializer that has the same name, type, dims and bytes as an earlier one in the same
    /// graph, at any depth. Returns how many were dropped.
    /// </summary>
    /// <param name="model">Changed in place.</param>
    /// <param name="baseDirectory">Folder of the model file, to read external data when repeats must be compared.</param>
    /// <exception cref="PassFailedException">Two initializers of one graph share a name but not their contents: nothing
    /// says which one the nodes mean, so the model cannot be repaired.</exception>
    public static int Remove(ModelProto model, string? baseDirectory) =>
        model.Graph is null ? 0 : Remove(model.Graph, baseDirectory);

    private static int Remove(GraphProto graph, string? baseDirectory)
    {
        var removed = 0;
        var first = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Initializer.Count;)
        {
            var tensor = graph.Initializer[i];
            if (!first.TryGetValue(tensor.Name, out var earlier))
            {
                first.Add(tensor.Name, tensor);
                i++;
                continue;
            }

            if (!SameContents(earlier, tensor, baseDirectory))
            {
                throw new PassFailedException(
                    $"OrtTransformersOptimization: ONNX Runtime wrote two different initializers named '{tensor.Name}' in graph " +
                    $"'{graph.Name}', so the optimized model is invalid. Use a lower opt_level for this model.");
            }

            graph.Initializer.RemoveAt(i);
            removed++;
        }

        foreach (var node in graph.Node)
        {
            foreach (var attribute in node.Attribute)
            {
                foreach (var sub in attribute.G is null ? attribute.Graphs : attribute.Graphs.Prepend(attribute.G))
                {
                    removed += Remove(sub, baseDirectory);
                }
            }
        }

        return removed;
    }

    private static bool SameContents(TensorProto a, TensorProto b, string? baseDirectory)
    {
        if (a.DataType != b.DataType || !a.Dims.SequenceEqual(b.Dims))
        {
            return false;
        }

        return (OnnxDataType)a.DataType == OnnxDataType.String
            ? TensorData.ReadStrings(a).SequenceEqual(TensorData.ReadStrings(b), StringComparer.Ordinal)
            : TensorData.ReadRawBytes(a, baseDirectory).AsSpan().SequenceEqual(TensorData.ReadRawBytes(b, baseDirectory));
    }
}
