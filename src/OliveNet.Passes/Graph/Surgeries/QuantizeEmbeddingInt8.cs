using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Graph.Peephole;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>
/// Olive's QuantizeEmbeddingInt8: the first Gather whose name holds <c>embed_tokens</c>, on a float32/float16 table
/// [V, H] with H a multiple of 32, becomes com.microsoft.GatherBlockQuantized (bits 8, block 32 along H): per block
/// scale = absmax / 127 (stored in the table's type), q = clamp(round-half-even(x / scale), −128, 127) + 128 as uint8,
/// zero points all 128. The Gather's output name is kept, so readers are unchanged.
/// </summary>
internal sealed class QuantizeEmbeddingInt8 : ISurgeon
{
    /// <summary>The block size Olive uses.</summary>
    public const int BlockSize = 32;

    /// <inheritdoc/>
    public string Apply(OnnxModel model, SurgeryNames names)
    {
        var graph = model.MainGraph;
        var gather = graph.Nodes.FirstOrDefault(n => n is { OpType: "Gather", Domain: "" } && n.Name.Contains("embed_tokens", StringComparison.Ordinal));
        if (gather is null)
        {
            return "skipped: no Gather node whose name contains embed_tokens";
        }

        var table = SurgeryGraph.Constant(graph, gather.Input[0]);
        if (table is null || table.Dims.Count != 2)
        {
            return $"skipped: {gather.Name} does not read a constant 2-D table";
        }

        var type = (OnnxDataType)table.DataType;
        if (type is not (OnnxDataType.Float or OnnxDataType.Float16))
        {
            return $"skipped: the embedding is {OnnxDataTypes.Name(type)}, not float32/float16";
        }

        var (vocab, hidden) = (checked((int)table.Dims[0]), checked((int)table.Dims[1]));
        if (hidden % BlockSize != 0)
        {
            return $"skipped: hidden size {hidden} is not a multiple of {BlockSize}";
        }

        var values = Floats(table, model.BaseDirectory);
        var blocks = hidden / BlockSize;
        var codes = new byte[values.Length];
        var scales = new float[vocab * blocks];
        for (var b = 0; b < scales.Length; b++)
        {
            var block = values.AsSpan(b * BlockSize, BlockSize);
            var max = 0f;
            foreach (var v in block)
            {
                max = Math.Max(max, Math.Abs(v));
            }

            // The scale is stored in the table's type; quantization divides by the stored value, as Olive's numpy does.
            var scale = max / 127f;
            scale = type == OnnxDataType.Float16 ? (float)(Half)scale : scale;
            scales[b] = scale;
            var divisor = scale == 0 ? 1f : scale;
            for (var i = 0; i < BlockSize; i++)
            {
                var q = Math.Clamp(MathF.Round(block[i] / divisor), -128f, 127f);
                codes[(b * BlockSize) + i] = (byte)((int)q + 128);
            }
        }

        var g = graph.Proto;
        var dataName = names.Take(table.Name + "_Q8");
        var scaleName = names.Take(table.Name + "_scales");
        var zeroName = names.Take(table.Name + "_zp");
        g.Initializer.Add(TensorData.Create<byte>(dataName, codes, [vocab, hidden]));
        g.Initializer.Add(type == OnnxDataType.Float16
            ? TensorData.Create<Half>(scaleName, scales.Select(s => (Half)s).ToArray(), [vocab, blocks])
            : TensorData.Create<float>(scaleName, scales, [vocab, blocks]));
        g.Initializer.Add(TensorData.Create<byte>(zeroName, Enumerable.Repeat((byte)128, vocab * blocks).ToArray(), [vocab, blocks]));
        var node = SurgeryGraph.Node(
            "GatherBlockQuantized", names.Take(gather.Name.Replace("Gather", "GatherBlockQuantized", StringComparison.Ordinal)),
            [dataName, gather.Input[1], scaleName, zeroName], gather.Output, SurgeryGraph.MicrosoftDomain,
            SurgeryGraph.Int("bits", 8), SurgeryGraph.Int("block_size", BlockSize), SurgeryGraph.Int("gather_axis", 0), SurgeryGraph.Int("quantize_axis", 1));
        g.Node[g.Node.IndexOf(gather)] = node;
        SurgeryGraph.RequireMicrosoftOpset(model);
        graph.Invalidate();
        var before = TensorData.ByteSize(table);
        DeadCode.RemoveUnusedInitializers(graph);
        return $"{gather.Name}: {table.Name} [{vocab}, {hidden}] → int8 GatherBlockQuantized ({before:N0} bytes → {codes.Length + (scales.Length * (type == OnnxDataType.Float16 ? 2 : 4)) + scales.Length:N0})";
    }

    private static float[] Floats(TensorProto table, string? baseDirectory)
    {
        if ((OnnxDataType)table.DataType == OnnxDataType.Float)
        {
            return TensorData.Read<float>(table, baseDirectory);
        }

        var half = TensorData.Read<Half>(table, baseDirectory);
        var wide = new float[half.Length];
        TensorConvert.ToFloat(half, wide);
        return wide;
    }
}
