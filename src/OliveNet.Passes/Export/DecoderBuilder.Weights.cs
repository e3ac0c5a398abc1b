using System.Runtime.InteropServices;
using OliveNet.Onnx;
using OliveNet.Passes.Export.Onnx;
using OliveNet.Passes.Quantization.BlockWise;

namespace OliveNet.Passes.Export;

/// <summary>Weights: float initializers in the activation type, and projections as MatMul or MatMulNBits.</summary>
internal sealed partial class DecoderBuilder
{
    /// <summary>A float initializer in the activation type, produced chunk by chunk by <paramref name="produce"/>.</summary>
    private string StreamedFloatWeight(string name, long[] dims, Action<Action<ReadOnlySpan<float>>> produce)
    {
        var elements = dims.Aggregate(1L, (a, b) => a * b);
        var half = Io == OnnxDataType.Float16;
        _g.BeginInitializer(name, Io, dims, elements * (half ? 2 : 4));
        var buffer = Array.Empty<Half>();
        produce(chunk =>
        {
            if (!half)
            {
                _g.Data.Append(MemoryMarshal.AsBytes(chunk));
                return;
            }

            if (buffer.Length < chunk.Length)
            {
                buffer = new Half[chunk.Length];
            }

            TensorConvert.FromFloat(chunk, buffer.AsSpan(0, chunk.Length));
            _g.Data.Append(MemoryMarshal.AsBytes(buffer.AsSpan(0, chunk.Length)));
        });
        _g.Data.End();
        return name;
    }

    /// <summary>A float initializer in the activation type (float32, or float16 for precision fp16).</summary>
    private string FloatWeight(string name, float[] data, long[] dims)
    {
        if (Io == OnnxDataType.Float)
        {
            return _g.Initializer<float>(name, data, dims);
        }

        var half = new Half[data.Length];
        TensorConvert.FromFloat(data, half);
        return _g.Initializer<Half>(name, half, dims);
    }

    /// <summary>
    /// <c>input @ W (+ bias)</c> where W stacks the given HF row slices: MatMul on a float <c>[K, N]</c> initializer, or
    /// for int4/int8 MatMulNBits whose blocks are quantized here straight from the checkpoint's weights (round to
    /// nearest, the block-wise quantizer's arithmetic) — no float model is written in between.
    /// </summary>
    private string Linear(string nodeName, string input, string weightName, WeightReader.Rows[] parts, float[]? bias)
    {
        var (k, n) = _w.Measure(parts);
        string output;
        if (_w.Prequantized(parts) is { } blocks)
        {
            output = PrequantizedLinear(nodeName, input, weightName, blocks, k, n);
        }
        else if (_s.Bits == 0)
        {
            var name = (long)k * n <= _s.ChunkElements
                ? FloatWeight($"{weightName}.weight", _w.Transposed(parts).Data, [k, n])
                : StreamedFloatWeight($"{weightName}.weight", [k, n], sink => _w.StreamTransposed(parts, _s.ChunkElements, sink));
            output = _g.Op("MatMul", nodeName, [input, name]);
        }
        else
        {
            output = _g.Op("MatMulNBits", nodeName.Replace("/MatMul", "/MatMulNBits", StringComparison.Ordinal), QuantizedWeight(input, weightName, parts, k, n), GraphBuilder.Ms, NBitsAttributes(k, n));
        }

        if (bias is null)
        {
            return output;
        }

        var biasName = FloatWeight($"{weightName}.bias", bias, [bias.Length]);
        return _g.Op("Add", nodeName.Replace("/MatMul", "/Add", StringComparison.Ordinal), [output, biasName]);
    }

    /// <summary>
    /// MatMulNBits inputs for the stacked weight, quantized in chunks of output columns: the packed layout
    /// <c>[N, k_blocks, blob]</c>, the scales and the zero points are all column-major, so chunks along N concatenate.
    /// </summary>
    private List<string> QuantizedWeight(string input, string weightName, WeightReader.Rows[] parts, int k, int n)
    {
        var prefix = $"{weightName}.weight.MatMulNBits";
        var kBlocks = (k + _s.BlockSize - 1) / _s.BlockSize;
        var blob = _s.BlockSize * _s.Bits / 8;
        var zeroPointRow = _s.Bits == 8 ? kBlocks : (kBlocks + 1) / 2;
        var scales = new float[(long)n * kBlocks];
        var zeroPoints = _s.Symmetric ? null : new byte[(long)n * zeroPointRow];
        var chunk = (int)Math.Clamp(_s.ChunkElements / k, 1, n);
        _g.BeginInitializer($"{prefix}.qweight", OnnxDataType.UInt8, [n, kBlocks, blob], (long)n * kBlocks * blob);
        var buffer = new float[(long)k * chunk];
        for (var n0 = 0; n0 < n; n0 += chunk)
        {
            var width = Math.Min(chunk, n - n0);
            var w = width == chunk ? buffer : new float[(long)k * width];
            _w.TransposedInto(WeightReader.Slice(parts, n0, n0 + width), k, width, w);
            var q = BlockQuantizer.Quantize(w, k, width, _s.Bits, _s.BlockSize, _s.Symmetric);
            _g.Data.Append(q.Packed);
            q.Scales.CopyTo(scales.AsSpan((int)((long)n0 * kBlocks)));
            q.ZeroPoints?.CopyTo(zeroPoints.AsSpan((int)((long)n0 * zeroPointRow)));
        }

        _g.Data.End();
        var inputs = new List<string> { input, $"{prefix}.qweight", _g.Initializer<float>($"{prefix}.scales", scales, [scales.Length]) };
        if (zeroPoints is not null)
        {
            inputs.Add(_g.Raw($"{prefix}.qzeros", OnnxDataType.UInt8, zeroPoints, [zeroPoints.Length]));
        }

        return inputs;
    }

    private OliveNet.Onnx.Protos.AttributeProto[] NBitsAttributes(int k, int n)
    {
        var attributes = new List<OliveNet.Onnx.Protos.AttributeProto>
        {
            GraphBuilder.Int("K", k), GraphBuilder.Int("N", n), GraphBuilder.Int("bits", _s.Bits), GraphBuilder.Int("block_size", _s.BlockSize),
        };
        if (_s.AccuracyLevel != 0)
        {
            attributes.Add(GraphBuilder.Int("accuracy_level", _s.AccuracyLevel));
        }

        return [.. attributes];
    }
}
