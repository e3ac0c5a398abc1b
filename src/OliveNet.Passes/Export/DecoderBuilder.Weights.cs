using OliveNet.Onnx;
using OliveNet.Passes.Export.Onnx;
using OliveNet.Passes.Quantization.BlockWise;

namespace OliveNet.Passes.Export;

/// <summary>Weights: float initializers in the activation type, and projections as MatMul or MatMulNBits.</summary>
internal sealed partial class DecoderBuilder
{
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
        var (w, k, n) = _w.Transposed(parts);
        string output;
        if (_s.Bits == 0)
        {
            var name = FloatWeight($"{weightName}.weight", w, [k, n]);
            output = _g.Op("MatMul", nodeName, [input, name]);
        }
        else
        {
            var q = BlockQuantizer.Quantize(w, k, n, _s.Bits, _s.BlockSize, _s.Symmetric);
            w = [];
            var prefix = $"{weightName}.weight.MatMulNBits";
            var inputs = new List<string>
            {
                input,
                _g.Raw($"{prefix}.qweight", OnnxDataType.UInt8, q.Packed, [q.N, q.KBlocks, q.BlobSize]),
                _g.Initializer<float>($"{prefix}.scales", q.Scales, [q.Scales.Length]),
            };
            if (q.ZeroPoints is not null)
            {
                inputs.Add(_g.Raw($"{prefix}.qzeros", OnnxDataType.UInt8, q.ZeroPoints, [q.ZeroPoints.Length]));
            }

            var attributes = new List<OliveNet.Onnx.Protos.AttributeProto>
            {
                GraphBuilder.Int("K", k), GraphBuilder.Int("N", n), GraphBuilder.Int("bits", _s.Bits), GraphBuilder.Int("block_size", _s.BlockSize),
            };
            if (_s.AccuracyLevel != 0)
            {
                attributes.Add(GraphBuilder.Int("accuracy_level", _s.AccuracyLevel));
            }

            output = _g.Op("MatMulNBits", nodeName.Replace("/MatMul", "/MatMulNBits", StringComparison.Ordinal), inputs, GraphBuilder.Ms, [.. attributes]);
        }

        if (bias is null)
        {
            return output;
        }

        var biasName = FloatWeight($"{weightName}.bias", bias, [bias.Length]);
        return _g.Op("Add", nodeName.Replace("/MatMul", "/Add", StringComparison.Ordinal), [output, biasName]);
    }
}
