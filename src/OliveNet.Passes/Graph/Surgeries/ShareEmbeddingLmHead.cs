using OliveNet.Onnx;
using OliveNet.Passes.Graph.Peephole;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>
/// Olive's ShareEmbeddingLmHead (after <see cref="QuantizeEmbeddingInt8"/>): the MatMulNBits whose name holds
/// <c>lm_head</c> is replaced by an 8-bit MatMulNBits (K = H, N = V, the embedding's block size, the old accuracy_level)
/// that reads the int8 embedding table through a Reshape to [V, H / block, block] and the embedding's scales and zero
/// points, so the table is stored once. The head's output name is kept.
/// </summary>
internal sealed class ShareEmbeddingLmHead : ISurgeon
{
    /// <inheritdoc/>
    public string Apply(OnnxModel model, SurgeryNames names)
    {
        var graph = model.MainGraph;
        var g = graph.Proto;
        var gbq = graph.Nodes.FirstOrDefault(n => n.OpType == "GatherBlockQuantized" && n.Name.Contains("embed_tokens", StringComparison.Ordinal));
        if (gbq is null)
        {
            return "skipped: no GatherBlockQuantized whose name contains embed_tokens (run QuantizeEmbeddingInt8 first)";
        }

        var bits = SurgeryGraph.IntAttribute(gbq, "bits", 8);
        var blockSize = SurgeryGraph.IntAttribute(gbq, "block_size", 32);
        if (bits != 8)
        {
            return $"skipped: the embedding is {bits}-bit; only an int8 embedding is shared";
        }

        var table = SurgeryGraph.Constant(graph, gbq.Input[0]);
        if (table is not { Dims.Count: 2 })
        {
            return "skipped: the embedding's quantized table is not a constant 2-D initializer";
        }

        var head = graph.Nodes.FirstOrDefault(n => n.OpType == "MatMulNBits" && n.Name.Contains("lm_head", StringComparison.Ordinal));
        if (head is null)
        {
            return "skipped: no MatMulNBits whose name contains lm_head";
        }

        if (head.Input[1].Contains(table.Name, StringComparison.Ordinal) || (head.Input.Count > 2 && head.Input[2] == gbq.Input[2]))
        {
            return "skipped: lm_head already shares the embedding's weights";
        }

        var (vocab, hidden) = (table.Dims[0], table.Dims[1]);
        if (SurgeryGraph.IntAttribute(head, "K", hidden) != hidden || SurgeryGraph.IntAttribute(head, "N", vocab) != vocab)
        {
            return $"skipped: lm_head is [K {SurgeryGraph.IntAttribute(head, "K", 0)}, N {SurgeryGraph.IntAttribute(head, "N", 0)}], the embedding [{vocab}, {hidden}]";
        }

        // Olive shares without looking; a head that is not the embedding (an untied model) would be silently replaced.
        if (HeadDistance(model, graph, head, table, gbq) is var distance and > 0.5)
        {
            return $"skipped: lm_head's weights are not the embedding's (relative RMS difference {distance:0.00} on the first rows; the model's embeddings are not tied)";
        }

        var shape = SurgeryGraph.AddInt64s(g, names.Take("lm_head.MatMulNBits.reshape_shape"), vocab, hidden / blockSize, blockSize);
        var reshape = SurgeryGraph.Node("Reshape", names.Take("lm_head/Reshape_shared_weight"), [table.Name, shape], [names.Take("lm_head.MatMulNBits.reshaped_weight")]);
        var inputs = new List<string> { head.Input[0], reshape.Output[0], gbq.Input[2] };
        if (gbq.Input.Count > 3 && gbq.Input[3].Length > 0)
        {
            inputs.Add(gbq.Input[3]);
        }

        var attributes = new List<Onnx.Protos.AttributeProto>
        {
            SurgeryGraph.Int("bits", 8), SurgeryGraph.Int("block_size", blockSize), SurgeryGraph.Int("K", hidden), SurgeryGraph.Int("N", vocab),
        };
        if (head.Attribute.FirstOrDefault(a => a.Name == "accuracy_level") is { } level)
        {
            attributes.Add(SurgeryGraph.Int("accuracy_level", level.I));
        }

        var shared = SurgeryGraph.Node("MatMulNBits", names.Take(head.Name + "_shared"), inputs, head.Output, SurgeryGraph.MicrosoftDomain, [.. attributes]);
        var at = g.Node.IndexOf(head);
        var before = head.Input.Skip(1).Select(n => SurgeryGraph.Constant(graph, n)).Sum(t => t is null ? 0 : TensorData.ByteSize(t));
        g.Node[at] = shared;
        g.Node.Insert(at, reshape);
        SurgeryGraph.RequireMicrosoftOpset(model);
        graph.Invalidate();
        DeadCode.RemoveUnusedInitializers(graph);
        SurgeryGraph.Sort(graph);
        return $"{head.Name} now reads the int8 embedding {table.Name} ({before:N0} bytes of its own weights dropped)";
    }

    /// <summary>
    /// RMS of (head row − embedding row) over RMS of the embedding rows, for the first rows (vocabulary entries), both
    /// dequantized: about the quantization noise (≲ 0.2 at 4 bits) when the model ties them, about √2 when it does not.
    /// </summary>
    private static double HeadDistance(OnnxModel model, GraphView graph, Onnx.Protos.NodeProto head, Onnx.Protos.TensorProto table, Onnx.Protos.NodeProto gbq)
    {
        var dir = model.BaseDirectory;
        var weight = SurgeryGraph.Constant(graph, head.Input[1]);
        var headScales = SurgeryGraph.Constant(graph, head.Input[2]);
        var tableScales = SurgeryGraph.Constant(graph, gbq.Input[2]);
        if (weight is null || headScales is null || tableScales is null || (OnnxDataType)headScales.DataType != OnnxDataType.Float || (OnnxDataType)tableScales.DataType != OnnxDataType.Float)
        {
            return 0;
        }

        var bits = (int)SurgeryGraph.IntAttribute(head, "bits", 4);
        var block = (int)SurgeryGraph.IntAttribute(head, "block_size", 32);
        var hidden = (int)table.Dims[1];
        var blocks = (hidden + block - 1) / block;
        var headZero = head.Input.Count > 3 && head.Input[3].Length > 0 ? SurgeryGraph.Constant(graph, head.Input[3]) : null;
        var packed = TensorData.ReadRawBytes(weight, dir);
        var scales = TensorData.Read<float>(headScales, dir);
        var zeros = headZero is not null && (OnnxDataType)headZero.DataType == OnnxDataType.UInt8 ? TensorData.ReadRawBytes(headZero, dir) : null;
        var codes = TensorData.ReadRawBytes(table, dir);
        var tableScale = TensorData.Read<float>(tableScales, dir);
        var tableBlock = (int)SurgeryGraph.IntAttribute(gbq, "block_size", 32);
        var rowBytes = blocks * block * bits / 8;
        var zeroRow = bits == 8 ? blocks : (blocks + 1) / 2;
        double diff = 0, norm = 0;
        for (var n = 0; n < Math.Min(32, (int)table.Dims[0]); n++)
        {
            for (var k = 0; k < hidden; k++)
            {
                var b = k / block;
                var q = bits == 8 ? packed[(n * rowBytes) + k] : (packed[(n * rowBytes) + (k / 2)] >> (4 * (k & 1))) & 0xF;
                var zero = zeros is null ? 1 << (bits - 1) : bits == 8 ? zeros[(n * zeroRow) + b] : (zeros[(n * zeroRow) + (b / 2)] >> (4 * (b & 1))) & 0xF;
                var h = (q - zero) * scales[(n * blocks) + b];
                var e = (codes[(n * hidden) + k] - 128) * tableScale[((n * hidden) + k) / tableBlock];
                diff += (h - e) * (double)(h - e);
                norm += e * (double)e;
            }
        }

        return norm == 0 ? 0 : Math.Sqrt(diff / norm);
    }
}
