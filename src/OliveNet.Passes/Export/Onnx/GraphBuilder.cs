using System.Globalization;
using System.Runtime.InteropServices;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Export.Onnx;

/// <summary>
/// Appends nodes, initializers and graph inputs/outputs to a <see cref="GraphProto"/> with the naming of the GenAI
/// model builder: node outputs <c>{node}/output_{k}</c>, shared constants <c>/model/constants/{TYPE}/{values}</c>.
/// </summary>
internal sealed class GraphBuilder
{
    /// <summary>The Microsoft contrib-op domain.</summary>
    public const string Ms = "com.microsoft";

    private readonly HashSet<string> _constants = new(StringComparer.Ordinal);

    /// <summary>Creates a builder writing large initializers through <paramref name="data"/>.</summary>
    public GraphBuilder(ExternalDataWriter data, string name = "main_graph")
    {
        Data = data;
        Graph = new GraphProto { Name = name };
    }

    /// <summary>The graph being built.</summary>
    public GraphProto Graph { get; }

    /// <summary>Where initializer bytes go.</summary>
    public ExternalDataWriter Data { get; }

    /// <summary>Adds a node; returns its output names (<c>""</c> for outputs given as empty in <paramref name="outputs"/>).</summary>
    public string[] Node(string op, string name, IEnumerable<string> inputs, int outputs = 1, string domain = "", params AttributeProto[] attributes) =>
        NodeWithOutputs(op, name, inputs, Enumerable.Range(0, outputs).Select(k => $"{name}/output_{k}").ToArray(), domain, attributes);

    /// <summary>Adds a node with explicit output names.</summary>
    public string[] NodeWithOutputs(string op, string name, IEnumerable<string> inputs, string[] outputs, string domain = "", params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name, Domain = domain };
        node.Input.AddRange(inputs);
        while (node.Input.Count > 0 && node.Input[^1].Length == 0)
        {
            node.Input.RemoveAt(node.Input.Count - 1);
        }

        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outputs;
    }

    /// <summary>A single-output node.</summary>
    public string Op(string op, string name, IEnumerable<string> inputs, string domain = "", params AttributeProto[] attributes) =>
        Node(op, name, inputs, 1, domain, attributes)[0];

    /// <summary>Adds an initializer from typed values.</summary>
    public string Initializer<T>(string name, ReadOnlySpan<T> values, ReadOnlySpan<long> dims)
        where T : unmanaged
    {
        Graph.Initializer.Add(Data.Tensor(name, TypeOf<T>(), dims, MemoryMarshal.AsBytes(values)));
        return name;
    }

    /// <summary>Adds an initializer from raw little-endian bytes of <paramref name="type"/>.</summary>
    public string Raw(string name, OnnxDataType type, ReadOnlySpan<byte> bytes, ReadOnlySpan<long> dims)
    {
        Graph.Initializer.Add(Data.Tensor(name, type, dims, bytes));
        return name;
    }

    /// <summary>Starts an initializer written in chunks through <see cref="Data"/> (Append … End).</summary>
    public void BeginInitializer(string name, OnnxDataType type, ReadOnlySpan<long> dims, long length) =>
        Graph.Initializer.Add(Data.Begin(name, type, dims, length));

    /// <summary>A shared int64 constant (1-D, or a scalar when <paramref name="scalar"/>).</summary>
    public string Int64(bool scalar, params long[] values)
    {
        var name = $"/model/constants/INT64/{(scalar ? string.Empty : $"[{values.Length}]")}{string.Join('_', values.Select(v => v.ToString(CultureInfo.InvariantCulture)))}";
        if (_constants.Add(name))
        {
            Graph.Initializer.Add(TensorData.Create<long>(name, values, scalar ? [] : [values.Length]));
        }

        return name;
    }

    /// <summary>A shared float scalar constant.</summary>
    public string Float(float value)
    {
        var name = $"/model/constants/FLOAT/{value.ToString("R", CultureInfo.InvariantCulture)}";
        if (_constants.Add(name))
        {
            Graph.Initializer.Add(TensorData.Create<float>(name, [value], []));
        }

        return name;
    }

    /// <summary>Declares a graph input.</summary>
    public void Input(string name, OnnxDataType type, params string[] dims) => Graph.Input.Add(ValueInfo(name, type, dims));

    /// <summary>Declares a graph output.</summary>
    public void Output(string name, OnnxDataType type, params string[] dims) => Graph.Output.Add(ValueInfo(name, type, dims));

    /// <summary>An int attribute.</summary>
    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>An ints attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    /// <summary>A float attribute.</summary>
    public static AttributeProto Real(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A string attribute.</summary>
    public static AttributeProto Text(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8(value) };

    /// <summary>A graph attribute.</summary>
    public static AttributeProto Subgraph(string name, GraphProto graph) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = graph };

    private static ValueInfoProto ValueInfo(string name, OnnxDataType type, string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(long.TryParse(d, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
                ? new TensorShapeProto.Types.Dimension { DimValue = v }
                : new TensorShapeProto.Types.Dimension { DimParam = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static OnnxDataType TypeOf<T>()
        where T : unmanaged => typeof(T) == typeof(float) ? OnnxDataType.Float
        : typeof(T) == typeof(Half) ? OnnxDataType.Float16
        : typeof(T) == typeof(long) ? OnnxDataType.Int64
        : typeof(T) == typeof(int) ? OnnxDataType.Int32
        : typeof(T) == typeof(byte) ? OnnxDataType.UInt8
        : throw new ArgumentException($"No ONNX type for {typeof(T).Name}.");
}
