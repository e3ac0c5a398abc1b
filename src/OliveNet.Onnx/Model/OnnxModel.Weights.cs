using OliveNet.Onnx.Protos;

namespace OliveNet.Onnx;

/// <summary>Weights and external data files of a model.</summary>
public sealed partial class OnnxModel
{
    /// <summary>
    /// Every weight in every graph: initializers, sparse initializers (their values tensor) and Constant nodes
    /// (ai.onnx domain). A Constant's <c>value</c> tensor is returned live; <c>value_float(s)</c>/<c>value_int(s)</c>
    /// come back as small detached tensors.
    /// </summary>
    public IEnumerable<WeightRef> Weights()
    {
        foreach (var g in AllGraphs())
        {
            foreach (var t in g.Proto.Initializer)
            {
                yield return new WeightRef(t.Name, t, WeightKind.Initializer, g, null);
            }

            foreach (var sp in g.Proto.SparseInitializer)
            {
                if (sp.Values is not null)
                {
                    yield return new WeightRef(sp.Values.Name, sp.Values, WeightKind.SparseInitializer, g, null);
                }
            }

            foreach (var n in g.Proto.Node)
            {
                if (ModelTensors.IsConstant(n) && n.Output.Count > 0 && ConstantTensor(n) is { } t)
                {
                    yield return new WeightRef(n.Output[0], t, WeightKind.ConstantNode, g, n);
                }
            }
        }
    }

    /// <summary>The distinct external data files the model refers to, ordered by location.</summary>
    /// <exception cref="OnnxFormatException">A location leaves the model folder.</exception>
    public IReadOnlyList<ExternalDataFile> ExternalDataFiles()
    {
        var byPath = new SortedDictionary<string, (string Location, long Bytes)>(StringComparer.Ordinal);
        foreach (var slot in ModelTensors.All(Proto))
        {
            if (!TensorData.IsExternal(slot.Tensor))
            {
                continue;
            }

            var info = Resolve(slot.Tensor, BaseDirectory, SourcePath);
            byPath[info.FullPath] = byPath.TryGetValue(info.FullPath, out var e)
                ? (e.Location, e.Bytes + info.Length)
                : (info.Location, info.Length);
        }

        return byPath
            .Select(kv =>
            {
                var fi = new FileInfo(kv.Key);
                return new ExternalDataFile(kv.Value.Location, kv.Key, kv.Value.Bytes, fi.Exists, fi.Exists ? fi.Length : 0);
            })
            .OrderBy(f => f.Location, StringComparer.Ordinal)
            .ToList();
    }

    private static TensorProto? ConstantTensor(NodeProto n)
    {
        foreach (var a in n.Attribute)
        {
            switch (a.Name)
            {
                case "value" when a.T is not null:
                    return a.T;
                case "sparse_value" when a.SparseTensor?.Values is not null:
                    return a.SparseTensor.Values;
                case "value_float":
                    return TensorData.Create<float>(n.Output[0], [a.F], []);
                case "value_floats":
                    return TensorData.Create<float>(n.Output[0], a.Floats.ToArray(), [a.Floats.Count]);
                case "value_int":
                    return TensorData.Create<long>(n.Output[0], [a.I], []);
                case "value_ints":
                    return TensorData.Create<long>(n.Output[0], a.Ints.ToArray(), [a.Ints.Count]);
                case "value_string":
                    return TensorData.CreateStrings(n.Output[0], [a.S.ToStringUtf8()], []);
                case "value_strings":
                    return TensorData.CreateStrings(n.Output[0], a.Strings.Select(s => s.ToStringUtf8()).ToList(), [a.Strings.Count]);
                default:
                    break;
            }
        }

        return null;
    }
}
