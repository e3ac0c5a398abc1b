using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Fusion.Attention;

/// <summary>Reads constant values of one graph: initializers and <c>Constant</c> nodes' <c>value</c> tensors.</summary>
internal sealed class GraphConstants(GraphView graph, string? baseDirectory)
{
    private readonly Dictionary<string, TensorProto> _initializers =
        graph.Proto.Initializer.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>The graph the constants belong to.</summary>
    public GraphView Graph { get; } = graph;

    /// <summary>Folder external data is read from.</summary>
    public string? BaseDirectory { get; } = baseDirectory;

    /// <summary>The constant tensor behind <paramref name="name"/>, or null when it is computed or a graph input.</summary>
    public TensorProto? Tensor(string name)
    {
        if (_initializers.TryGetValue(name, out var init))
        {
            // An initializer that is also a graph input can be overridden at run time (IR < 4 style): not a constant.
            return Graph.Proto.Input.Any(i => i.Name == name) ? null : init;
        }

        var producer = Graph.Producer(name);
        return producer is { OpType: "Constant", Domain: "" or "ai.onnx" }
            ? producer.Attribute.FirstOrDefault(a => a.Name == "value")?.T
            : null;
    }

    /// <summary>The single float value of a one-element float constant, or null.</summary>
    public float? Scalar(string name)
    {
        var t = Tensor(name);
        if (t is null || TensorData.ElementCount(t) != 1)
        {
            return null;
        }

        return (OnnxDataType)t.DataType switch
        {
            OnnxDataType.Float => TensorData.Read<float>(t, BaseDirectory)[0],
            OnnxDataType.Double => (float)TensorData.Read<double>(t, BaseDirectory)[0],
            _ => null,
        };
    }

    /// <summary>The values of an int64/int32 constant, or null.</summary>
    public long[]? Integers(string name)
    {
        var t = Tensor(name);
        return t is null ? null : (OnnxDataType)t.DataType switch
        {
            OnnxDataType.Int64 => TensorData.Read<long>(t, BaseDirectory),
            OnnxDataType.Int32 => TensorData.Read<int>(t, BaseDirectory).Select(v => (long)v).ToArray(),
            _ => null,
        };
    }

    /// <summary>A float constant of rank <paramref name="rank"/>, or null.</summary>
    public TensorProto? FloatTensor(string name, int rank)
    {
        var t = Tensor(name);
        return t is not null && (OnnxDataType)t.DataType == OnnxDataType.Float && t.Dims.Count == rank ? t : null;
    }
}
