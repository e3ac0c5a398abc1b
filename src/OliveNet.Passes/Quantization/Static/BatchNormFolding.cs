using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Dynamic;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>
/// Folds an inference BatchNormalization into the Conv that alone feeds it: with s = gamma / sqrt(var + epsilon) per output
/// channel c, W'[c] = W[c] · s[c] and b'[c] = (b[c] − mean[c]) · s[c] + beta[c]. ONNX Runtime does the same at load, but
/// only on a float graph: once Q/DQ sit between Conv and BatchNormalization it cannot, and quantizing the Conv's pre-BN
/// output per tensor leaves channels that BN later multiplies (by up to ~250 in PP-OCRv4) a handful of levels. After the
/// fold the scale lives in the weights, where per-channel quantization absorbs it.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>Folds every eligible Conv→BatchNormalization pair of the main graph; returns how many.</summary>
    public static int Apply(OnnxModel model, UniqueNames names, IReadOnlySet<string> excluded)
    {
        var graph = model.MainGraph;
        var outputs = graph.Proto.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var folded = 0;
        foreach (var bn in graph.Nodes.Where(n => n is { OpType: "BatchNormalization", Domain: "" or "ai.onnx" }).ToList())
        {
            if (bn.Output.Count != 1 || bn.Input.Count != 5 || graph.Producer(bn.Input[0]) is not { OpType: "Conv", Domain: "" or "ai.onnx" } conv ||
                excluded.Contains(conv.Name) || conv.Output.Count != 1 || outputs.Contains(conv.Output[0]) || graph.Consumers(conv.Output[0]).Count != 1 ||
                Floats(graph, model, conv.Input[1]) is not { } w || ConstantLookup.Find(graph, conv.Input[1]) is not { Dims.Count: >= 3 } weight)
            {
                continue;
            }

            var channels = (int)weight.Dims[0];
            var p = bn.Input.Skip(1).Select(i => Floats(graph, model, i)).ToList();
            var b = conv.Input.Count > 2 && conv.Input[2].Length > 0 ? Floats(graph, model, conv.Input[2]) : new float[channels];
            if (p.Any(v => v is null || v.Length != channels) || b is null || b.Length != channels)
            {
                continue;
            }

            var (gamma, beta, mean, variance) = (p[0]!, p[1]!, p[2]!, p[3]!);
            var epsilon = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            var per = w.Length / channels;
            var newW = new float[w.Length];
            var newB = new float[channels];
            for (var c = 0; c < channels; c++)
            {
                var s = gamma[c] / MathF.Sqrt(variance[c] + epsilon);
                for (var i = 0; i < per; i++)
                {
                    newW[(c * per) + i] = w[(c * per) + i] * s;
                }

                newB[c] = ((b[c] - mean[c]) * s) + beta[c];
            }

            conv.Output[0] = bn.Output[0];
            graph.Proto.Node.Remove(bn);
            graph.Invalidate();
            ConvAffineFolding.ReplaceWeights(graph, conv, weight.Dims.ToArray(), newW, newB, names, "_bn_folded");
            foreach (var name in bn.Input.Skip(1).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal))
            {
                ConstantLookup.RemoveIfUnread(graph, name);
            }

            folded++;
        }

        return folded;
    }

    private static float[]? Floats(GraphView graph, OnnxModel model, string name) =>
        ConstantLookup.Find(graph, name) is { } t && (OnnxDataType)t.DataType == OnnxDataType.Float ? TensorData.Read<float>(t, model.BaseDirectory) : null;
}
