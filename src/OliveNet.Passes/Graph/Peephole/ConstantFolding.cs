using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Runtime;

namespace OliveNet.Passes.Graph.Peephole;

/// <summary>
/// Folds nodes whose inputs are all constants (initializers or Constant nodes) into initializers, computing each one
/// with ONNX Runtime's own CPU kernel on a one-node model: the result is the value the node would produce at run time,
/// so folding is exact for every op ORT implements. Left alone: random ops, nodes holding subgraphs, graph outputs,
/// custom domains, and results much larger than their inputs (folding an Expand or ConstantOfShape would grow the file).
/// </summary>
internal static class ConstantFolding
{
    private static readonly HashSet<string> Nondeterministic = new(StringComparer.Ordinal)
    {
        "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout",
    };

    /// <summary>A folded result may be at most this many bytes, and at most twice its inputs plus 4 KiB.</summary>
    private const long MaxResultBytes = 1 << 20;

    public static int Fold(GraphView graph, ModelProto model, string? baseDirectory, CancellationToken cancellation)
    {
        var folded = 0;
        var outputs = graph.Proto.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        bool changed;
        do
        {
            changed = false;
            foreach (var node in graph.TopologicalOrder().ToList())
            {
                cancellation.ThrowIfCancellationRequested();
                if (!Foldable(node, outputs))
                {
                    continue;
                }

                var inputs = node.Input.Select(name => name.Length == 0 ? null : GraphNames.Constant(graph, name)).ToList();
                if (inputs.Where((t, i) => node.Input[i].Length > 0 && t is null).Any())
                {
                    continue;
                }

                var results = Evaluate(node, inputs, model, baseDirectory);
                var inputBytes = inputs.OfType<TensorProto>().Sum(t => OnnxDataTypes.ByteCount((OnnxDataType)t.DataType, TensorData.ElementCount(t)));
                if (results is null || results.Any(r => r.RawData.Length > Math.Min(MaxResultBytes, (2 * inputBytes) + 4096)))
                {
                    continue;
                }

                graph.Proto.Node.Remove(node);
                graph.Proto.Initializer.AddRange(results);
                graph.Invalidate();
                folded++;
                changed = true;
            }
        }
        while (changed);

        return folded;
    }

    private static bool Foldable(NodeProto node, HashSet<string> graphOutputs) =>
        (node.Domain.Length == 0 || node.Domain == "ai.onnx")
        && node.OpType != "Constant"
        && !Nondeterministic.Contains(node.OpType)
        && node.Input.Any(i => i.Length > 0)
        && node.Output.All(o => o.Length > 0 && !graphOutputs.Contains(o))
        && !node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0);

    /// <summary>Runs the node alone in ORT; null when ORT cannot (the node is then left as it is).</summary>
    private static List<TensorProto>? Evaluate(NodeProto node, List<TensorProto?> inputs, ModelProto model, string? baseDirectory)
    {
        var single = new ModelProto { IrVersion = Math.Max(model.IrVersion, 4), Graph = new GraphProto { Name = "fold" } };
        single.OpsetImport.AddRange(model.OpsetImport);
        single.Graph.Node.Add(node.Clone());
        for (var i = 0; i < inputs.Count; i++)
        {
            if (inputs[i] is { } tensor && single.Graph.Initializer.All(t => t.Name != node.Input[i]))
            {
                var inline = tensor.Clone();
                inline.Name = node.Input[i];
                if (TensorData.IsExternal(inline))
                {
                    inline.ClearDataLocation();
                    inline.ExternalData.Clear();
                    inline.RawData = ByteString.CopyFrom(TensorData.ReadRawBytes(tensor, baseDirectory));
                }

                single.Graph.Initializer.Add(inline);
            }
        }

        foreach (var output in node.Output)
        {
            single.Graph.Output.Add(new ValueInfoProto { Name = output });
        }

        try
        {
            using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.DisableAll, IntraOpThreads = 1 };
            using var session = new InferenceSession(single.ToByteArray(), options);
            using var values = session.Run([], node.Output.ToList());
            return values.Select((v, i) => ToTensor(node.Output[i], v)).ToList()!;
        }
        catch (OrtException)
        {
            return null;
        }
    }

    private static TensorProto? ToTensor(string name, OrtValue value)
    {
        if (value.ValueType != OnnxValueType.Tensor)
        {
            return null;
        }

        var type = (OnnxDataType)(int)value.ElementType;
        if (type == OnnxDataType.String)
        {
            return TensorData.CreateStrings(name, value.GetStrings(), value.Shape);
        }

        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(value.GetTensorBytes()) };
        tensor.Dims.AddRange(value.Shape);
        return tensor;
    }
}
