using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>
/// Embedding lookups <c>Gather(E [V, H], ids)</c> with a constant float32 table become
/// <c>com.microsoft.GatherBlockQuantized(E_q uint4 [V, H], ids, scales [V, H/block], zero_points uint4 [V, H/block])</c>
/// with <c>gather_axis</c> 0, <c>quantize_axis</c> 1 and <c>block_size</c>: each row is cut into blocks of
/// <c>block_size</c> along H and quantized with the same round-to-nearest rule as MatMulNBits
/// (<see cref="BlockQuantizer.QuantizeBlock"/>); a gathered row dequantizes to <c>(q − zp) · scale</c>. Symmetric blocks
/// store zero point 8. Tables whose H is not a multiple of the block size, other gather axes and tables read by other
/// nodes stay float.
/// </summary>
internal static class GatherBlockQuantizer
{
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>Rewrites the eligible Gathers of <paramref name="graph"/>; returns (count, float bytes, quantized bytes).</summary>
    public static (int Count, long FloatBytes, long QuantizedBytes) Apply(OnnxModel model, GraphView graph, int blockSize, bool symmetric, IReadOnlySet<string> exclude)
    {
        var count = 0;
        long before = 0, after = 0;
        foreach (var node in graph.Nodes.Where(n => n is { OpType: "Gather", Domain: "" or "ai.onnx" } && !exclude.Contains(n.Name)).ToList())
        {
            var table = graph.Proto.Initializer.FirstOrDefault(t => t.Name == node.Input[0]);
            if (table is not { Dims.Count: 2 } || (OnnxDataType)table.DataType != OnnxDataType.Float || table.Dims[1] % blockSize != 0 ||
                (node.Attribute.FirstOrDefault(a => a.Name == "axis")?.I ?? 0) != 0 || graph.Consumers(table.Name).Count != 1)
            {
                continue;
            }

            var rows = checked((int)table.Dims[0]);
            var width = checked((int)table.Dims[1]);
            var blocks = width / blockSize;
            var values = TensorData.Read<float>(table, model.BaseDirectory);
            var codes = new byte[values.Length];
            var scales = new float[rows * blocks];
            var zeroPoints = new byte[rows * blocks];
            for (var b = 0; b < rows * blocks; b++)
            {
                var (scale, zeroPoint) = BlockQuantizer.QuantizeBlock(values.AsSpan(b * blockSize, blockSize), codes.AsSpan(b * blockSize, blockSize), 4, symmetric);
                scales[b] = scale;
                zeroPoints[b] = (byte)zeroPoint;
            }

            var baseName = table.Name;
            var data = TensorData.CreateUInt4(baseName + "_Q4", codes, [rows, width]);
            var scaleTensor = TensorData.Create<float>(baseName + "_scales", scales, [rows, blocks]);
            var zeroTensor = TensorData.CreateUInt4(baseName + "_zero_points", zeroPoints, [rows, blocks]);
            graph.Proto.Initializer.Remove(table);
            graph.Proto.Initializer.Add(data);
            graph.Proto.Initializer.Add(scaleTensor);
            graph.Proto.Initializer.Add(zeroTensor);
            var ids = node.Input[1];
            node.OpType = "GatherBlockQuantized";
            node.Domain = MicrosoftDomain;
            node.Input.Clear();
            node.Input.AddRange([data.Name, ids, scaleTensor.Name, zeroTensor.Name]);
            node.Attribute.Clear();
            node.Attribute.Add(Int("gather_axis", 0));
            node.Attribute.Add(Int("quantize_axis", 1));
            node.Attribute.Add(Int("block_size", blockSize));
            count++;
            before += 4L * values.Length;
            after += TensorData.ByteSize(data) + TensorData.ByteSize(scaleTensor) + TensorData.ByteSize(zeroTensor);
        }

        graph.Invalidate();
        return (count, before, after);
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
}
