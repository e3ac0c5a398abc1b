using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Runtime.Tests.Generation;

internal sealed partial class DecoderBuilder
{
    private const int BlockSize = 32;

    // x[.., k] @ W[k, n]: fp32 MatMul, or MatMulNBits with W quantized per column in blocks of 32 along k.
    private string Projection(string weight, string input, int k, int n, string prefix)
    {
        if (!shape.Int4)
        {
            Weight($"{weight}.weight", k, n, fanIn: k);
            Node("MatMul", [input, $"{weight}.weight"], [$"{prefix}/MatMul"]);
            return $"{prefix}/MatMul";
        }

        var blocks = (k + BlockSize - 1) / BlockSize;
        var packed = new byte[n * blocks * (BlockSize / 2)];
        var scales = new float[n * blocks];
        var column = new float[blocks * BlockSize];
        var bound = MathF.Sqrt(3f / k);
        for (var col = 0; col < n; col++)
        {
            Array.Clear(column);
            for (var row = 0; row < k; row++)
            {
                column[row] = Uniform(bound);
            }

            for (var block = 0; block < blocks; block++)
            {
                var values = column.AsSpan(block * BlockSize, BlockSize);
                var max = 0f;
                foreach (var value in values)
                {
                    max = Math.Max(max, Math.Abs(value));
                }

                // Symmetric 4-bit: q = round(w / scale) + 8 in 0..15, scale = max|w| / 7 (zero point 8 is the default).
                var scale = max == 0 ? 1f : max / 7f;
                scales[(col * blocks) + block] = scale;
                var offset = ((col * blocks) + block) * (BlockSize / 2);
                for (var i = 0; i < BlockSize; i += 2)
                {
                    var low = (byte)Math.Clamp((int)MathF.Round(values[i] / scale) + 8, 0, 15);
                    var high = (byte)Math.Clamp((int)MathF.Round(values[i + 1] / scale) + 8, 0, 15);
                    packed[offset + (i / 2)] = (byte)(low | (high << 4));
                }
            }
        }

        graph.Initializer.Add(TensorData.Create<byte>($"{weight}.weight.quant", packed, [n, blocks, BlockSize / 2]));
        graph.Initializer.Add(TensorData.Create<float>($"{weight}.weight.scales", scales, [n * blocks]));
        var node = Node("MatMulNBits", [input, $"{weight}.weight.quant", $"{weight}.weight.scales"], [$"{prefix}/MatMulNBits"],
            ("K", (long)k), ("N", (long)n), ("bits", 4L), ("block_size", (long)BlockSize), ("accuracy_level", 4L));
        node.Domain = "com.microsoft";
        return $"{prefix}/MatMulNBits";
    }

    private void Weight(string name, int rows, int columns, int fanIn)
    {
        var values = new float[(long)rows * columns];
        var bound = MathF.Sqrt(3f / fanIn);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Uniform(bound);
        }

        graph.Initializer.Add(TensorData.Create<float>(name, values, [rows, columns]));
    }

    private void Constant(string name, long[] values, long[] dims) => graph.Initializer.Add(TensorData.Create<long>(name, values, dims));

    private NodeProto Node(string op, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = outputs[0].Replace("/output_0", string.Empty, StringComparison.Ordinal) + "_node" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (name, value) in attributes)
        {
            node.Attribute.Add(value switch
            {
                long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
                float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
                _ => throw new ArgumentException($"attribute {name}: unsupported value {value}"),
            });
        }

        graph.Node.Add(node);
        return node;
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        var tensorShape = new TensorShapeProto();
        tensorShape.Dim.AddRange(dims.Select(d => d is long value
            ? new TensorShapeProto.Types.Dimension { DimValue = value }
            : new TensorShapeProto.Types.Dimension { DimParam = (string)d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } } };
    }

    // Uniform in [-bound, bound] from SplitMix64 (seeded, so the same seed writes the same model).
    private float Uniform(float bound)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (float)((((z >> 11) * (1.0 / (1UL << 53))) * 2) - 1) * bound;
    }
}
