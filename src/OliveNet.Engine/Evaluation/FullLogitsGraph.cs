using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Runtime.Generation;

namespace OliveNet.Engine.Evaluation;

/// <summary>
/// The full-logits variant of a decoder exported with <c>prune_lm_head</c> (the ModelBuilder default): such a graph
/// feeds the LM head only the last position's hidden state, through <c>Gather(axis 1, index −1)</c> →
/// <c>Unsqueeze(axes [1])</c> (ONNX Runtime GenAI's builder writes the same pair), and declares logits
/// <c>[batch, 1, vocab]</c>. Perplexity needs every position's logits, so evaluation loads the same weights with
/// that pair removed: an in-memory graph whose LM head sees <c>[batch, sequence, hidden]</c>.
/// </summary>
public static class FullLogitsGraph
{
    /// <summary>
    /// The serialized full-logits graph of the decoder in the GenAI model folder <paramref name="folder"/>, or null when
    /// its logits already cover every position (or the folder has no pruned head this rewrite recognises). External
    /// data stays where it is: load the bytes with that folder as the external-initializer folder.
    /// </summary>
    /// <exception cref="GenerationException">The folder's genai_config.json is missing or invalid.</exception>
    public static byte[]? Of(string folder)
    {
        var config = GenAIConfig.Load(Path.Combine(folder, "genai_config.json"));
        var path = Path.Combine(folder, config.Filename);
        if (!File.Exists(path))
        {
            return null;
        }

        var proto = OnnxModel.Load(path, new OnnxLoadOptions { ValidateExternalData = false }).Proto;
        return Unprune(proto.Graph, config.LogitsName) ? proto.ToByteArray() : null;
    }

    /// <summary>Removes the last-position selection before the LM head in place; false when there is none.</summary>
    internal static bool Unprune(GraphProto graph, string logitsName)
    {
        var logits = graph.Output.FirstOrDefault(o => o.Name == logitsName);
        var dims = logits?.Type?.TensorType?.Shape?.Dim;
        if (dims is not { Count: 3 } || dims[1].DimValue != 1)
        {
            return false;
        }

        var constants = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var gather in graph.Node.Where(n => n.OpType == "Gather" && n.Domain.Length == 0 && IntAttribute(n, "axis") == 1).ToList())
        {
            if (gather.Input.Count != 2 || !constants.TryGetValue(gather.Input[1], out var index) || Int64s(index) is not [-1] || index.Dims.Count != 0)
            {
                continue;
            }

            var unsqueeze = graph.Node.FirstOrDefault(n => n.OpType == "Unsqueeze" && n.Input.Count == 2 && n.Input[0] == gather.Output[0]
                && constants.TryGetValue(n.Input[1], out var axes) && Int64s(axes) is [1]);
            if (unsqueeze is null || graph.Node.Count(n => n.Input.Contains(gather.Output[0])) != 1)
            {
                continue;
            }

            var hidden = gather.Input[0];
            foreach (var node in graph.Node)
            {
                for (var i = 0; i < node.Input.Count; i++)
                {
                    if (node.Input[i] == unsqueeze.Output[0])
                    {
                        node.Input[i] = hidden;
                    }
                }
            }

            graph.Node.Remove(gather);
            graph.Node.Remove(unsqueeze);
            foreach (var constant in new[] { gather.Input[1], unsqueeze.Input[1] }.Distinct())
            {
                if (!graph.Node.Any(n => n.Input.Contains(constant)))
                {
                    graph.Initializer.Remove(constants[constant]);
                }
            }

            dims[1] = new TensorShapeProto.Types.Dimension { DimParam = "sequence_length" };
            return true;
        }

        return false;
    }

    private static long? IntAttribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I;

    private static long[] Int64s(TensorProto t) =>
        t.Int64Data.Count > 0 ? [.. t.Int64Data]
        : t.RawData.Length % 8 == 0 && t.DataType == (int)TensorProto.Types.DataType.Int64 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray()
        : [];
}
