using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Dynamic;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>
/// Folds constant affine maps into the Conv beside them, as <see cref="BatchNormFolding"/> folds BatchNormalization:
/// <list type="bullet">
/// <item>after a Conv that alone feeds it, <c>Mul</c> by a scalar or per-output-channel constant m gives W'[c] = W[c]·m[c],
/// b'[c] = b[c]·m[c], and <c>Add</c> of one gives b'[c] = b[c] + a[c];</item>
/// <item>before a Conv without padding that alone reads it, <c>Mul</c> by a scalar m gives W' = W·m, and <c>Add</c> of a scalar
/// a gives b'[o] = b[o] + a·ΣW[o] (with padding the border would read the padded zeros, so padded Convs are left).</item>
/// </list>
/// These are PP-OCRv3/v4's learnable affine blocks (a scalar scale and shift around every HardSwish, 52 in the
/// recognizer). ONNX Runtime folds some of the first kind at load, but only in a float graph; with Q/DQ between them every
/// one of them would run in float between a DequantizeLinear and a QuantizeLinear, the time an INT8 model cannot save.
/// Exact in real arithmetic; float results change by rounding only.
/// </summary>
internal static class ConvAffineFolding
{
    /// <summary>Folds every eligible pair of the main graph, repeatedly, until none is left; returns how many.</summary>
    public static int Apply(OnnxModel model, UniqueNames names, IReadOnlySet<string> excluded)
    {
        var graph = model.MainGraph;
        var outputs = graph.Proto.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var folded = 0;
        bool changed;
        do
        {
            changed = false;
            foreach (var conv in graph.Nodes.Where(n => n is { OpType: "Conv", Domain: "" or "ai.onnx" } && !excluded.Contains(n.Name)).ToList())
            {
                if (FoldAfter(model, graph, conv, names, outputs) || FoldBefore(model, graph, conv, names, outputs))
                {
                    folded++;
                    changed = true;
                }
            }
        }
        while (changed);

        return folded;
    }

    private static bool FoldAfter(OnnxModel model, GraphView graph, NodeProto conv, UniqueNames names, HashSet<string> outputs)
    {
        if (conv.Output.Count != 1 || outputs.Contains(conv.Output[0]) || graph.Consumers(conv.Output[0]) is not [{ OpType: "Mul" or "Add", Domain: "" or "ai.onnx" } op]
            || op.Output.Count != 1 || Weights(model, graph, conv) is not { } w)
        {
            return false;
        }

        var other = op.Input[0] == conv.Output[0] ? op.Input[1] : op.Input[0];
        if (op.Input.Count != 2 || (op.Input[0] == conv.Output[0] && op.Input[1] == conv.Output[0]) || PerChannel(model, graph, other, w.Channels, w.Weight.Dims.Count) is not { } k)
        {
            return false;
        }

        var per = w.W.Length / w.Channels;
        var newW = (float[])w.W.Clone();
        var newB = (float[])w.B.Clone();
        for (var c = 0; c < w.Channels; c++)
        {
            var v = k.Length == 1 ? k[0] : k[c];
            if (op.OpType == "Mul")
            {
                for (var i = 0; i < per; i++)
                {
                    newW[(c * per) + i] *= v;
                }

                newB[c] *= v;
            }
            else
            {
                newB[c] += v;
            }
        }

        Replace(model, graph, conv, w, newW, newB, names, op.OpType == "Mul" ? "_mul_folded" : "_add_folded");
        conv.Output[0] = op.Output[0];
        graph.Proto.Node.Remove(op);
        graph.Invalidate();
        ConstantLookup.RemoveIfUnread(graph, other);
        return true;
    }

    private static bool FoldBefore(OnnxModel model, GraphView graph, NodeProto conv, UniqueNames names, HashSet<string> outputs)
    {
        var autoPad = conv.Attribute.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
        var pads = conv.Attribute.FirstOrDefault(a => a.Name == "pads")?.Ints;
        if (autoPad is not ("NOTSET" or "VALID") || (pads is not null && pads.Any(p => p != 0))
            || graph.Producer(conv.Input[0]) is not { OpType: "Mul" or "Add", Domain: "" or "ai.onnx" } op || op.Output.Count != 1 || op.Input.Count != 2
            || outputs.Contains(op.Output[0]) || graph.Consumers(op.Output[0]).Count != 1 || Weights(model, graph, conv) is not { } w)
        {
            return false;
        }

        var (data, constant) = ConstantLookup.Find(graph, op.Input[1]) is not null ? (op.Input[0], op.Input[1]) : (op.Input[1], op.Input[0]);
        if (PerChannel(model, graph, constant, 1, w.Weight.Dims.Count) is not [var v] || ConstantLookup.Find(graph, data) is not null)
        {
            return false;
        }

        var per = w.W.Length / w.Channels;
        var newW = (float[])w.W.Clone();
        var newB = (float[])w.B.Clone();
        for (var c = 0; c < w.Channels; c++)
        {
            if (op.OpType == "Mul")
            {
                for (var i = 0; i < per; i++)
                {
                    newW[(c * per) + i] *= v;
                }
            }
            else
            {
                var sum = 0.0;
                for (var i = 0; i < per; i++)
                {
                    sum += w.W[(c * per) + i];
                }

                newB[c] += (float)(v * sum);
            }
        }

        Replace(model, graph, conv, w, newW, newB, names, op.OpType == "Mul" ? "_in_mul_folded" : "_in_add_folded");
        conv.Input[0] = data;
        graph.Proto.Node.Remove(op);
        graph.Invalidate();
        ConstantLookup.RemoveIfUnread(graph, constant);
        return true;
    }

    private sealed record ConvWeights(TensorProto Weight, float[] W, float[] B, int Channels);

    private static ConvWeights? Weights(OnnxModel model, GraphView graph, NodeProto conv)
    {
        if (conv.Input.Count < 2 || ConstantLookup.Find(graph, conv.Input[1]) is not { Dims.Count: >= 3 } weight
            || (OnnxDataType)weight.DataType != OnnxDataType.Float)
        {
            return null;
        }

        var channels = (int)weight.Dims[0];
        var w = TensorData.Read<float>(weight, model.BaseDirectory);
        float[]? b = new float[channels];
        if (conv.Input.Count > 2 && conv.Input[2].Length > 0)
        {
            b = ConstantLookup.Find(graph, conv.Input[2]) is { } bias && (OnnxDataType)bias.DataType == OnnxDataType.Float
                ? TensorData.Read<float>(bias, model.BaseDirectory)
                : null;
        }

        return b is { Length: var n } && n == channels ? new ConvWeights(weight, w, b, channels) : null;
    }

    /// <summary>A float constant that broadcasts as one value (rank at most the Conv's) or, for 2-D Convs, one value per channel of the NCHW output ([C,1,1] or [1,C,1,1]).</summary>
    private static float[]? PerChannel(OnnxModel model, GraphView graph, string name, int channels, int rank)
    {
        if (ConstantLookup.Find(graph, name) is not { } t || (OnnxDataType)t.DataType != OnnxDataType.Float)
        {
            return null;
        }

        var dims = t.Dims.ToArray();
        var count = dims.Aggregate(1L, (a, d) => a * d);
        if (count == 1 && dims.Length <= rank)
        {
            return TensorData.Read<float>(t, model.BaseDirectory);
        }

        // Per channel: rank 3 ([C,1,1]) or 4 ([1,C,1,1]); anything else broadcasts over other axes too.
        var perChannel = rank == 4 && ((dims.Length == 3 && dims[0] == channels && dims[1] == 1 && dims[2] == 1)
            || (dims.Length == 4 && dims[0] == 1 && dims[1] == channels && dims[2] == 1 && dims[3] == 1));
        return perChannel && channels > 1 ? TensorData.Read<float>(t, model.BaseDirectory) : null;
    }

    private static void Replace(OnnxModel model, GraphView graph, NodeProto conv, ConvWeights w, float[] newW, float[] newB, UniqueNames names, string suffix)
    {
        _ = model;
        ReplaceWeights(graph, conv, w.Weight.Dims.ToArray(), newW, newB, names, suffix);
    }

    /// <summary>
    /// Points <paramref name="conv"/> at new float weights and bias (initializers named after the node with
    /// <paramref name="suffix"/>) and drops the old ones when nothing else reads them. Shared with <see cref="BatchNormFolding"/>.
    /// </summary>
    internal static void ReplaceWeights(GraphView graph, NodeProto conv, long[] weightDims, float[] newW, float[] newB, UniqueNames names, string suffix)
    {
        var baseName = conv.Name.Length > 0 ? conv.Name : conv.Output[0];
        var wName = names.Take(baseName + "_W" + suffix);
        var bName = names.Take(baseName + "_B" + suffix);
        graph.Proto.Initializer.Add(TensorData.Create<float>(wName, newW, weightDims));
        graph.Proto.Initializer.Add(TensorData.Create<float>(bName, newB, [newB.Length]));
        var replaced = conv.Input.Count > 2 ? new[] { conv.Input[1], conv.Input[2] } : [conv.Input[1]];
        conv.Input[1] = wName;
        if (conv.Input.Count > 2)
        {
            conv.Input[2] = bName;
        }
        else
        {
            conv.Input.Add(bName);
        }

        foreach (var name in replaced.Where(n => n.Length > 0).Distinct(StringComparer.Ordinal))
        {
            ConstantLookup.RemoveIfUnread(graph, name);
        }
    }
}
