using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Graph.Peephole;

/// <summary>
/// Merges initializers of one graph that hold the same data type, dims and bytes: the first in file order stays and
/// readers of the others read it. Bytes are read only for tensors that share type and dims with another one.
/// Initializers that are graph inputs or outputs keep their names and are left alone.
/// </summary>
internal static class InitializerDedup
{
    public static int Merge(GraphView graph, string? baseDirectory)
    {
        var proto = graph.Proto;
        var pinned = proto.Input.Select(i => i.Name).Concat(proto.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        var groups = proto.Initializer
            .Where(t => !pinned.Contains(t.Name) && (OnnxDataType)t.DataType != OnnxDataType.String &&
                        OnnxDataTypes.BitsPerElement((OnnxDataType)t.DataType) > 0)
            .GroupBy(t => (t.DataType, Dims: string.Join(",", t.Dims)))
            .Where(g => g.Count() > 1);
        var merged = 0;
        foreach (var group in groups)
        {
            var kept = new List<(TensorProto Tensor, byte[] Bytes)>();
            foreach (var t in group)
            {
                var bytes = TensorData.ReadRawBytes(t, baseDirectory);
                var twin = kept.FindIndex(k => k.Bytes.AsSpan().SequenceEqual(bytes));
                if (twin < 0)
                {
                    kept.Add((t, bytes));
                    continue;
                }

                proto.Initializer.Remove(t);
                GraphNames.ReplaceUses(proto, t.Name, kept[twin].Tensor.Name);
                merged++;
            }
        }

        if (merged > 0)
        {
            graph.Invalidate();
        }

        return merged;
    }
}
