using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>Small graph edits the surgeons share.</summary>
internal static class SurgeryGraph
{
    /// <summary>The com.microsoft domain of ONNX Runtime's contrib ops.</summary>
    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>The initializer named <paramref name="name"/> in <paramref name="graph"/> (not one overridable as a graph input), or null.</summary>
    public static TensorProto? Constant(GraphView graph, string name) =>
        name.Length == 0 || graph.Proto.Input.Any(i => i.Name == name) ? null : graph.Proto.Initializer.FirstOrDefault(t => t.Name == name);

    /// <summary>An int attribute.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An ints attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>The int attribute <paramref name="name"/> of <paramref name="node"/>, or <paramref name="fallback"/>.</summary>
    public static long IntAttribute(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    /// <summary>A node; inputs and outputs as given.</summary>
    public static NodeProto Node(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs, string domain = "", params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name, Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    /// <summary>Adds an int64 initializer and returns its name.</summary>
    public static string AddInt64s(GraphProto graph, string name, params long[] values)
    {
        graph.Initializer.Add(TensorData.Create<long>(name, values, [values.Length]));
        return name;
    }

    /// <summary>Olive's naming of a node made from another: <c>old</c> replaced by <c>replacement</c> in the name, else the suffix appended.</summary>
    public static string Derived(string name, string old, string replacement) =>
        name.Contains(old, StringComparison.Ordinal) ? name.Replace(old, replacement, StringComparison.Ordinal) : $"{name}_{replacement}";

    /// <summary>Puts the graph's nodes back in topological order after nodes were added out of order.</summary>
    public static void Sort(GraphView graph)
    {
        graph.Invalidate();
        var order = graph.TopologicalOrder().ToList();
        graph.Proto.Node.Clear();
        graph.Proto.Node.AddRange(order);
        graph.Invalidate();
    }

    /// <summary>Declares com.microsoft opset 1 unless the model declares it.</summary>
    public static void RequireMicrosoftOpset(OnnxModel model)
    {
        if (!model.OpsetImports.ContainsKey(MicrosoftDomain))
        {
            model.Proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }
    }

    /// <summary>Whether two tensors hold the same number of elements with the same bytes (Olive's equality of flattened arrays).</summary>
    public static bool SameData(TensorProto a, TensorProto b, string? baseDirectory) =>
        a.DataType == b.DataType && TensorData.ElementCount(a) == TensorData.ElementCount(b)
        && TensorData.ReadRawBytes(a, baseDirectory).AsSpan().SequenceEqual(TensorData.ReadRawBytes(b, baseDirectory));
}
