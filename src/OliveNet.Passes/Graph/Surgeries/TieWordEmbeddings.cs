using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Graph.Peephole;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>
/// Olive's TieWordEmbeddings: when the table the embedding Gather reads (from <c>input_ids</c>) equals the LM head's
/// weight (<c>logits</c>' producer) transposed, the head becomes Reshape → Gemm(transB = 1) on the table → Reshape and
/// the head's copy is dropped; when both are quantized (GatherBlockQuantized and MatMulNBits with the same data, scales
/// and zero points), the head reads the embedding's tensors (its weight through a Reshape to its 3-D layout). Anything
/// else leaves the model as it is, as in Olive.
/// </summary>
internal sealed class TieWordEmbeddings : ISurgeon
{
    private static readonly string[] InputNames = ["input_ids", "input_embeds", "inputs_embeds"];

    /// <inheritdoc/>
    public string Apply(OnnxModel model, SurgeryNames names)
    {
        var graph = model.MainGraph;
        var g = graph.Proto;
        var input = InputNames.FirstOrDefault(n => g.Input.Any(i => i.Name == n));
        if (input is null || g.Output.All(o => o.Name != "logits"))
        {
            return "nothing to tie: the model has no input_ids (or inputs_embeds) input or no logits output";
        }

        var embed = graph.Consumers(input).FirstOrDefault(n => n.OpType is "Gather" or "GatherBlockQuantized" && n.Input.Count > 0 && SurgeryGraph.Constant(graph, n.Input[0]) is not null);
        var head = graph.Producer("logits") is { OpType: "MatMul" or "MatMulNBits" } p && p.Input.Count > 1 && SurgeryGraph.Constant(graph, p.Input[1]) is not null ? p : null;
        if (embed is null || head is null)
        {
            return "nothing to tie: no embedding Gather on a constant table, or logits do not come from a MatMul/MatMulNBits with a constant weight";
        }

        return (embed.OpType, head.OpType) switch
        {
            ("Gather", "MatMul") => Unquantized(model, graph, embed, head, names),
            ("GatherBlockQuantized", "MatMulNBits") => Quantized(model, graph, embed, head, names),
            _ => $"not tied: the embedding is {embed.OpType} and the head {head.OpType} (both float or both block-quantized are tied)",
        };
    }

    private static string Unquantized(OnnxModel model, GraphView graph, NodeProto embed, NodeProto head, SurgeryNames names)
    {
        var g = graph.Proto;
        var table = SurgeryGraph.Constant(graph, embed.Input[0])!;
        var weight = SurgeryGraph.Constant(graph, head.Input[1])!;
        if (table.Dims.Count != 2 || weight.Dims.Count != 2 || !TransposedEqual(table, weight, model.BaseDirectory))
        {
            return $"not tied: {table.Name} and the transposed {weight.Name} differ";
        }

        var (vocab, hidden) = (table.Dims[0], table.Dims[1]);
        var bytesSaved = TensorData.ByteSize(weight);
        var x = head.Input[0];
        var name = head.Name.Length > 0 ? head.Name : "lm_head/MatMul";
        var preName = names.Take(SurgeryGraph.Derived(name, "MatMul", "Reshape_pre"));
        var pre = SurgeryGraph.Node("Reshape", preName, [x, SurgeryGraph.AddInt64s(g, names.Take(preName + "_shape"), -1, hidden)], [names.Take(preName + "_output")]);
        var gemmName = names.Take(name.Replace("MatMul", "Gemm", StringComparison.Ordinal));
        var gemm = SurgeryGraph.Node("Gemm", gemmName, [pre.Output[0], table.Name], [names.Take(gemmName + "_output")], string.Empty,
            SurgeryGraph.Float("alpha", 1f), SurgeryGraph.Float("beta", 1f), SurgeryGraph.Int("transA", 0), SurgeryGraph.Int("transB", 1));
        var shapeName = names.Take(name.Replace("MatMul", "Shape", StringComparison.Ordinal));
        var shape = SurgeryGraph.Node("Shape", shapeName, [x], [names.Take(shapeName + "_output")]);
        var sliceName = names.Take(SurgeryGraph.Derived(name, "MatMul", "Slice"));
        var slice = SurgeryGraph.Node("Slice", sliceName,
            [shape.Output[0], SurgeryGraph.AddInt64s(g, names.Take(sliceName + "_start"), 0), SurgeryGraph.AddInt64s(g, names.Take(sliceName + "_ends"), -1),
             SurgeryGraph.AddInt64s(g, names.Take(sliceName + "_axes"), 0), SurgeryGraph.AddInt64s(g, names.Take(sliceName + "_steps"), 1)],
            [names.Take(sliceName + "_output")]);
        var concatName = names.Take(SurgeryGraph.Derived(name, "MatMul", "Concat"));
        var concat = SurgeryGraph.Node("Concat", concatName, [slice.Output[0], SurgeryGraph.AddInt64s(g, names.Take(concatName + "_out_feat"), vocab)],
            [names.Take(concatName + "_output")], string.Empty, SurgeryGraph.Int("axis", 0));
        var post = SurgeryGraph.Node("Reshape", names.Take(SurgeryGraph.Derived(name, "MatMul", "Reshape_post")), [gemm.Output[0], concat.Output[0]], head.Output);

        var at = g.Node.IndexOf(head);
        g.Node.RemoveAt(at);
        g.Node.Insert(at, post);
        g.Node.Insert(at, concat);
        g.Node.Insert(at, slice);
        g.Node.Insert(at, shape);
        g.Node.Insert(at, gemm);
        g.Node.Insert(at, pre);
        graph.Invalidate();
        DeadCode.RemoveUnusedInitializers(graph);
        SurgeryGraph.Sort(graph);
        return $"tied {head.Name} to {table.Name} [{vocab}, {hidden}] (Gemm with transB; {bytesSaved:N0} bytes of the head's copy dropped)";
    }

    private static string Quantized(OnnxModel model, GraphView graph, NodeProto embed, NodeProto head, SurgeryNames names)
    {
        if (embed.Input.Count != head.Input.Count)
        {
            return "not tied: GatherBlockQuantized and MatMulNBits have different numbers of inputs";
        }

        // Embedding (data, scales, zero points) against head (weight, scales, zero points).
        var embedSide = new[] { embed.Input[0] }.Concat(embed.Input.Skip(2)).ToList();
        var headSide = head.Input.Skip(1).ToList();
        for (var i = 0; i < embedSide.Count; i++)
        {
            var a = SurgeryGraph.Constant(graph, embedSide[i]);
            var b = SurgeryGraph.Constant(graph, headSide[i]);
            if (a is null || b is null || !SurgeryGraph.SameData(a, b, model.BaseDirectory))
            {
                return $"not tied: {embedSide[i]} and {headSide[i]} differ";
            }
        }

        var weight = SurgeryGraph.Constant(graph, head.Input[1])!;
        for (var i = 1; i < embedSide.Count; i++)
        {
            head.Input[i + 1] = embedSide[i];
        }

        var reshapeName = names.Take(SurgeryGraph.Derived(head.Name, "MatMulNBits", "Reshape_tied"));
        var reshape = SurgeryGraph.Node("Reshape", reshapeName,
            [embedSide[0], SurgeryGraph.AddInt64s(graph.Proto, names.Take(reshapeName + "_shape"), [.. weight.Dims])], [names.Take(reshapeName + "_output")]);
        head.Input[1] = reshape.Output[0];
        graph.Proto.Node.Insert(graph.Proto.Node.IndexOf(head), reshape);
        graph.Invalidate();
        DeadCode.RemoveUnusedInitializers(graph);
        SurgeryGraph.Sort(graph);
        return $"tied {head.Name} to the quantized embedding {embedSide[0]}";
    }

    /// <summary>Whether <paramref name="table"/> [V, H] equals <paramref name="weight"/> [H, V] transposed, element by element (bytes).</summary>
    private static bool TransposedEqual(TensorProto table, TensorProto weight, string? baseDirectory)
    {
        if (table.DataType != weight.DataType || table.Dims[0] != weight.Dims[1] || table.Dims[1] != weight.Dims[0])
        {
            return false;
        }

        var size = OnnxDataTypes.BitsPerElement((OnnxDataType)table.DataType) / 8;
        if (size == 0)
        {
            return false;
        }

        var a = TensorData.ReadRawBytes(table, baseDirectory);
        var b = TensorData.ReadRawBytes(weight, baseDirectory);
        var (rows, cols) = (table.Dims[0], table.Dims[1]);
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < cols; c++)
            {
                if (!a.AsSpan((int)(((r * cols) + c) * size), size).SequenceEqual(b.AsSpan((int)(((c * rows) + r) * size), size)))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
