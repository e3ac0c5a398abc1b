using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Graph.Surgeries;

namespace OliveNet.Passes.Quantization.QdqConversion;

/// <summary>One MatMulNBits to DequantizeLinear + MatMul.</summary>
public sealed partial class MatMulNBitsToQdqPass
{
    private static readonly string[] QuantizedNameParts = ["MatMulNBits", "MatMul_Q4", "MatMul_Q8"];

    /// <summary>The nodes that replace <paramref name="node"/> (its output name last), or null with the reason it stays.</summary>
    private static List<NodeProto>? Convert(OnnxModel model, GraphView graph, NodeProto node, MatMulNBitsToQdqOptions options, SurgeryNames names, out string reason)
    {
        var constants = node.Input.Skip(1).Select(n => SurgeryGraph.Constant(graph, n)).ToList();
        if (constants.Any(c => c is null))
        {
            reason = "an input other than A is not a constant";
            return null;
        }

        var k = (int)SurgeryGraph.IntAttribute(node, "K", 0);
        var n = (int)SurgeryGraph.IntAttribute(node, "N", 0);
        var blockSize = (int)SurgeryGraph.IntAttribute(node, "block_size", 0);
        var bits = (int)SurgeryGraph.IntAttribute(node, "bits", 4);
        if (bits is not (4 or 8) || k <= 0 || n <= 0 || blockSize <= 0)
        {
            reason = $"{bits}-bit (4 and 8 are converted)";
            return null;
        }

        var blocks = (k + blockSize - 1) / blockSize;
        var dir = model.BaseDirectory;
        if (constants.Count >= 4 && !TrivialGroupIndex(TensorData.Read<int>(constants[3]!, dir), k, blockSize))
        {
            reason = "its g_idx is not the trivial k / block_size (DequantizeLinear has no group index)";
            return null;
        }

        var zeroTensor = constants.Count >= 3 ? constants[2] : null;
        if (zeroTensor is not null && (OnnxDataType)zeroTensor.DataType != OnnxDataType.UInt8)
        {
            reason = "its zero points are float (HQQ); DequantizeLinear takes integer zero points";
            return null;
        }

        reason = string.Empty;
        var perAxis = blocks == 1;
        var signed = options.UseSignedInt || (bits == 4 && options.UseInt4);
        var midpoint = 1 << (bits - 1);
        var offset = signed ? midpoint : 0;

        // Unpack row by row: MatMulNBits stores [N, blocks, blob] with 4-bit values low nibble first.
        var packed = TensorData.ReadRawBytes(constants[0]!, dir);
        var rowBytes = packed.Length / n;
        var weight = new int[(long)n * k];
        for (var row = 0; row < n; row++)
        {
            for (var col = 0; col < k; col++)
            {
                weight[((long)row * k) + col] = Unpacked(packed, (row * rowBytes) + (bits == 8 ? col : col / 2), bits, col) - offset;
            }
        }

        int[]? zero = null;
        if (zeroTensor is not null)
        {
            var raw = TensorData.ReadRawBytes(zeroTensor, dir);
            var zeroRow = raw.Length / n;
            zero = new int[n * blocks];
            for (var row = 0; row < n; row++)
            {
                for (var block = 0; block < blocks; block++)
                {
                    zero[(row * blocks) + block] = Unpacked(raw, (row * zeroRow) + (bits == 8 ? block : block / 2), bits, block) - offset;
                }
            }

            if (!options.AddZeroPoint && signed && zero.All(z => z == 0))
            {
                zero = null;
            }
        }

        if (zero is null && (options.AddZeroPoint || !signed))
        {
            zero = Enumerable.Repeat(signed ? 0 : midpoint, n * blocks).ToArray();
        }

        var transpose = options.UseTransposeOp;
        var dqName = names.Take(NewName(node.Name, "DequantizeLinear"));
        var scaleTensor = constants[1]!;
        var scaleSize = OnnxDataTypes.BitsPerElement((OnnxDataType)scaleTensor.DataType) / 8;
        long[] weightDims = transpose ? [n, k] : [k, n];
        long[] blockDims = perAxis ? [n] : transpose ? [n, blocks] : [blocks, n];
        var g = graph.Proto;
        var weightName = names.Take(dqName + ".qweight");
        g.Initializer.Add(Integers(weightName, Arrange(weight, n, k, !transpose), weightDims, bits, signed));
        var scaleName = names.Take(dqName + ".scales");
        var scales = new TensorProto { Name = scaleName, DataType = scaleTensor.DataType, RawData = ByteString.CopyFrom(ArrangeBytes(TensorData.ReadRawBytes(scaleTensor, dir), n, blocks, scaleSize, !transpose && !perAxis)) };
        scales.Dims.AddRange(blockDims);
        g.Initializer.Add(scales);
        var dqInputs = new List<string> { weightName, scaleName };
        if (zero is not null)
        {
            var zeroName = names.Take(dqName + ".qzeros");
            g.Initializer.Add(Integers(zeroName, Arrange(zero, n, blocks, !transpose && !perAxis), blockDims, bits, signed));
            dqInputs.Add(zeroName);
        }

        var dq = SurgeryGraph.Node("DequantizeLinear", dqName, dqInputs, [names.Take(dqName + "/output_0")], string.Empty,
            perAxis ? [SurgeryGraph.Int("axis", (transpose ? 1 : 0) ^ 1)] : [SurgeryGraph.Int("axis", transpose ? 1 : 0), SurgeryGraph.Int("block_size", blockSize)]);
        var result = new List<NodeProto> { dq };
        var b = dq.Output[0];
        if (transpose)
        {
            var t = names.Take(NewName(node.Name, "Transpose"));
            result.Add(SurgeryGraph.Node("Transpose", t, [b], [names.Take(t + "/output_0")], string.Empty, SurgeryGraph.Ints("perm", 1, 0)));
            b = result[^1].Output[0];
        }

        var hasBias = node.Input.Count >= 6 && node.Input[5].Length > 0;
        var matMulName = names.Take(NewName(node.Name, "MatMul"));
        result.Add(SurgeryGraph.Node("MatMul", matMulName, [node.Input[0], b], [hasBias ? names.Take(matMulName + "/output_0") : node.Output[0]]));
        if (hasBias)
        {
            result.Add(SurgeryGraph.Node("Add", names.Take(NewName(node.Name, "Add")), [result[^1].Output[0], node.Input[5]], [node.Output[0]]));
        }

        return result;
    }

    private static int Unpacked(byte[] bytes, int index, int bits, int position) =>
        bits == 8 ? bytes[index] : (bytes[index] >> (4 * (position & 1))) & 0xF;

    private static bool TrivialGroupIndex(int[] groupIndex, int k, int blockSize) =>
        groupIndex.Length == k && groupIndex.Select((g, i) => g == i / blockSize).All(x => x);

    /// <summary>Olive's naming: the MatMulNBits (or MatMul_Q4/_Q8) part of the old name replaced by the new op type, else appended.</summary>
    private static string NewName(string old, string opType)
    {
        foreach (var suffix in QuantizedNameParts)
        {
            if (old.Contains(suffix, StringComparison.Ordinal))
            {
                return old.Replace(suffix, opType, StringComparison.Ordinal);
            }
        }

        return $"{old}_{opType}";
    }

    /// <summary><paramref name="values"/> [rows, cols] (MatMulNBits' [N, ·] order), transposed to [cols, rows] when asked.</summary>
    private static int[] Arrange(int[] values, int rows, int cols, bool transposed)
    {
        if (!transposed)
        {
            return values;
        }

        var result = new int[values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                result[((long)c * rows) + r] = values[((long)r * cols) + c];
            }
        }

        return result;
    }

    private static byte[] ArrangeBytes(byte[] values, int rows, int cols, int size, bool transposed)
    {
        if (!transposed)
        {
            return values;
        }

        var result = new byte[values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                values.AsSpan(((r * cols) + c) * size, size).CopyTo(result.AsSpan(((c * rows) + r) * size, size));
            }
        }

        return result;
    }

    private static TensorProto Integers(string name, int[] values, long[] dims, int bits, bool signed) => (bits, signed) switch
    {
        (4, true) => TensorData.CreateInt4(name, values.Select(v => (sbyte)v).ToArray(), dims),
        (4, false) => TensorData.CreateUInt4(name, values.Select(v => (byte)v).ToArray(), dims),
        (_, true) => TensorData.Create<sbyte>(name, values.Select(v => (sbyte)v).ToArray(), dims),
        _ => TensorData.Create<byte>(name, values.Select(v => (byte)v).ToArray(), dims),
    };
}
