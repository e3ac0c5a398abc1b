using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Engine.Inspection;

/// <summary>Summarizes a loaded model: opsets, I/O, operators (subgraphs included), weights and external data.</summary>
public static class ModelInspector
{
    /// <summary>Builds the summary. Reads no tensor data: sizes come from dims and types.</summary>
    public static ModelInspection Inspect(OnnxModel model, string path)
    {
        var proto = model.Proto;
        var graph = proto.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

        var opsets = proto.OpsetImport
            .Select(o => new OpsetEntry(string.IsNullOrEmpty(o.Domain) ? "ai.onnx" : o.Domain, o.Version))
            .OrderBy(o => o.Domain, StringComparer.Ordinal)
            .ToList();

        var graphs = model.AllGraphs().ToList();
        var ops = graphs.SelectMany(g => g.Nodes)
            .GroupBy(n => string.IsNullOrEmpty(n.Domain) || n.Domain == "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}", StringComparer.Ordinal)
            .Select(g => new OpCount(g.Key, g.Count()))
            .OrderByDescending(o => o.Count).ThenBy(o => o.Op, StringComparer.Ordinal)
            .ToList();

        return new ModelInspection(
            Path: path,
            FileSizeBytes: new FileInfo(path).Length,
            IrVersion: proto.IrVersion,
            Producer: string.Join(' ', new[] { proto.ProducerName, proto.ProducerVersion }.Where(s => !string.IsNullOrEmpty(s))),
            Opsets: opsets,
            // Old IR versions list initializers as graph inputs too; those are weights, not inputs.
            Inputs: graph.Input.Where(i => !initializers.Contains(i.Name)).Select(Describe).ToList(),
            Outputs: graph.Output.Select(Describe).ToList(),
            GraphCount: graphs.Count,
            NodeCount: graphs.Sum(g => g.Nodes.Count),
            Ops: ops,
            Parameters: Summarize(model.Weights()),
            ExternalData: model.ExternalDataFiles()
                .Select(f => new ExternalFileEntry(f.Location, f.BytesReferenced, f.Exists, f.FileLength))
                .ToList());
    }

    private static ParameterSummary Summarize(IEnumerable<WeightRef> weights)
    {
        long count = 0, bytes = 0, fromInitializers = 0, fromConstants = 0;
        var byType = new Dictionary<OnnxDataType, (long Count, long Bytes, int Tensors)>();
        foreach (var weight in weights)
        {
            var type = (OnnxDataType)weight.Tensor.DataType;
            var elements = TensorData.ElementCount(weight.Tensor);
            var size = type == OnnxDataType.String
                ? weight.Tensor.StringData.Sum(s => (long)s.Length)
                : OnnxDataTypes.ByteCount(type, elements);
            count += elements;
            bytes += size;
            if (weight.Kind == WeightKind.ConstantNode)
            {
                fromConstants += elements;
            }
            else
            {
                fromInitializers += elements;
            }

            var current = byType.GetValueOrDefault(type);
            byType[type] = (current.Count + elements, current.Bytes + size, current.Tensors + 1);
        }

        var rows = byType
            .Select(kv => new DtypeParameters(OnnxDataTypes.Name(kv.Key), kv.Value.Count, kv.Value.Bytes, kv.Value.Tensors))
            .OrderByDescending(r => r.Bytes).ThenBy(r => r.Type, StringComparer.Ordinal)
            .ToList();
        return new ParameterSummary(count, bytes, fromInitializers, fromConstants, rows);
    }

    private static ValueEntry Describe(ValueInfoProto value) => value.Type is null
        ? new ValueEntry(value.Name, "unknown", null)
        : Describe(value.Name, value.Type);

    private static ValueEntry Describe(string name, TypeProto type) => type.ValueCase switch
    {
        TypeProto.ValueOneofCase.TensorType => new ValueEntry(
            name, OnnxDataTypes.Name((OnnxDataType)type.TensorType.ElemType), Dims(type.TensorType.Shape)),
        TypeProto.ValueOneofCase.SparseTensorType => new ValueEntry(
            name, $"sparse {OnnxDataTypes.Name((OnnxDataType)type.SparseTensorType.ElemType)}", Dims(type.SparseTensorType.Shape)),
        TypeProto.ValueOneofCase.SequenceType => new ValueEntry(name, $"seq({Describe(name, type.SequenceType.ElemType).Display})", null),
        TypeProto.ValueOneofCase.OptionalType => new ValueEntry(name, $"optional({Describe(name, type.OptionalType.ElemType).Display})", null),
        TypeProto.ValueOneofCase.MapType => new ValueEntry(
            name, $"map({OnnxDataTypes.Name((OnnxDataType)type.MapType.KeyType)},{Describe(name, type.MapType.ValueType).Display})", null),
        _ => new ValueEntry(name, "unknown", null),
    };

    private static List<string>? Dims(TensorShapeProto? shape) => shape?.Dim
        .Select(d => d.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => d.DimParam,
            _ => "?",
        })
        .ToList();
}
