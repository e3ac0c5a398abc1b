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
        var bits = BitsFor(nodeName);
        string output;
        if (_w.Prequantized(parts) is { } blocks)
        {
            output = PrequantizedLinear(nodeName, input, weightName, blocks, k, n);
        }
        else if (bits == 0)
        {
            var name = (long)k * n <= _s.ChunkElements
                ? FloatWeight($"{weightName}.weight", _w.Transposed(parts).Data, [k, n])
                : StreamedFloatWeight($"{weightName}.weight", [k, n], sink => _w.StreamTransposed(parts, _s.ChunkElements, sink));
            output = _g.Op("MatMul", nodeName, [input, name]);
        }
        else
        {
            var weights = QuantizedWeight(weightName, parts, k, n, bits, QuantizedLayout.MatMulNBits);
            output = _g.Op("MatMulNBits", nodeName.Replace("/MatMul", "/MatMulNBits", StringComparison.Ordinal), [input, .. weights], GraphBuilder.Ms, NBitsAttributes(k, n, bits));
        }

        if (bias is null)
        {
            return output;
        }

        var biasName = FloatWeight($"{weightName}.bias", bias, [bias.Length]);
        return _g.Op("Add", nodeName.Replace("/MatMul", "/Add", StringComparison.Ordinal), [output, biasName]);
    }

    /// <summary>
    /// Bits of a projection's weights: 0 (float MatMul) in float exports, without MatMul in int4_op_types_to_quantize or
    /// for an excluded node; else the precision's bits, raised to 8 in an int4 export where the algo_config places int8
    /// (the LM head for the *_last/k_quant_mixed/k_quant_linear recipes, llama.cpp's sensitive layers for k_quant_mixed).
    /// </summary>
    private int BitsFor(string nodeName)
    {
        if (_s.Bits == 0 || !_s.QuantizeMatMul || _s.NodesToExclude.Contains(nodeName))
        {
            return 0;
        }

        var int8 = (_s.LastMatMulInt8 && nodeName == ExportSettings.LmHeadNode) || (_s.MixedLayersInt8 && _mixedLayerNodes.Contains(nodeName));
        return int8 ? 8 : _s.Bits;
    }

    /// <summary>
    /// The projections k_quant_mixed keeps in 8 bits, as the GenAI builder picks them from llama.cpp's mix: layers in
    /// the first and last eighth and every third layer after the first eighth; their qkv (or v), and down projections.
    /// </summary>
    private static HashSet<string> MixedLayerNodes(int layers)
    {
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        var offset = (int)Math.Round(layers / 8.0, MidpointRounding.ToEven);
        for (var i = 0; i < layers; i++)
        {
            if (i < layers / 8.0 || i >= 7 * layers / 8.0 || ((((i - offset) % 3) + 3) % 3) == 2)
            {
                nodes.Add($"/model/layers.{i}/attn/qkv_proj/MatMul");
                nodes.Add($"/model/layers.{i}/attn/v_proj/MatMul");
                nodes.Add($"/model/layers.{i}/mlp/down_proj/MatMul");
            }
        }

        return nodes;
    }

    /// <summary>
    /// Bits of the token embedding table: 0 (float Gather) unless int4/int8 quantizes Gather, the node is not excluded
    /// and the hidden size is a whole number of blocks (GatherBlockQuantized's packed rows have no padding); the LM head's
    /// bits when the two share one table.
    /// </summary>
    private int EmbeddingBits()
    {
        // A table a checkpoint pass (Rtn, Gptq) already quantized keeps its own blocks (PrequantizedEmbedding), or is read
        // dequantized into a float Gather when they do not fit GatherBlockQuantized: never quantized a second time.
        if (_s.Bits == 0 || !_s.QuantizeGather || _s.NodesToExclude.Contains(ExportSettings.EmbeddingNode) || _c.Hidden % _s.BlockSize != 0
            || _w.Prequantized([_w.All("model.embed_tokens.weight")]) is not null)
        {
            return 0;
        }

        return SharesTable ? BitsFor(ExportSettings.LmHeadNode) : _s.Bits;
    }

    /// <summary>The embedding and a quantized LM head read the same checkpoint tensor, so one quantized table serves both.
    /// A prequantized table (a checkpoint pass quantized it) is not shared: the head then packs the checkpoint's blocks.</summary>
    private bool SharesTable => !_s.ExcludeLmHead && HeadSource == "model.embed_tokens.weight" && BitsFor(ExportSettings.LmHeadNode) != 0
        && _w.Prequantized([_w.All(HeadSource)]) is null;

    /// <summary>
    /// The embedding lookup as com.microsoft.GatherBlockQuantized on a block-quantized table (blocks along the hidden
    /// axis, the MatMulNBits arithmetic). When the head is tied, the table is the LM head's MatMulNBits weight itself
    /// (<c>[vocab, k_blocks, blob]</c>, seen by the gather through a Reshape to <c>[vocab, hidden·bits/8]</c>) with the
    /// same scales and zero points, so the file holds the vocabulary matrix once.
    /// </summary>
    private string QuantizedEmbedding(string table, int bits)
    {
        const string Node = "/model/embed_tokens/GatherBlockQuantized";
        List<string> inputs;
        if (SharesTable)
        {
            inputs = QuantizedWeight("lm_head", [_w.All(table)], _c.Hidden, _c.Vocab, bits, QuantizedLayout.Shared);
            _sharedHead = (inputs, bits);
            var flat = _g.Op("Reshape", "/model/embed_tokens/Reshape", [inputs[0], _g.Int64(false, _c.Vocab, (long)_c.Hidden * bits / 8)]);
            inputs = [flat, .. inputs.Skip(1)];
        }
        else
        {
            inputs = QuantizedWeight("model.embed_tokens", [_w.All(table)], _c.Hidden, _c.Vocab, bits, QuantizedLayout.Table);
        }

        return _g.Op("GatherBlockQuantized", Node, [inputs[0], "input_ids", .. inputs.Skip(1)], GraphBuilder.Ms,
            GraphBuilder.Int("bits", bits), GraphBuilder.Int("block_size", _s.BlockSize), GraphBuilder.Int("gather_axis", 0), GraphBuilder.Int("quantize_axis", 1));
    }

    /// <summary>How a quantized weight's tensors are shaped.</summary>
    internal enum QuantizedLayout
    {
        /// <summary>MatMulNBits: packed <c>[N, k_blocks, blob]</c>, scales and zero points 1-D.</summary>
        MatMulNBits,

        /// <summary>GatherBlockQuantized alone: packed rows <c>[N, K·bits/8]</c>, scales <c>[N, k_blocks]</c>, zero points <c>[N, zp_row]</c>.</summary>
        Table,

        /// <summary>Both: packed <c>[N, k_blocks, blob]</c> for MatMulNBits, 2-D scales and zero points that both ops accept.</summary>
        Shared,
    }

    /// <summary>
    /// Quantizes the stacked weight (the one place export weights are quantized: round to nearest, or the k-quant recipes'
    /// scale search) and returns the MatMulNBits inputs
    /// after A: packed weight, scales, and zero points when asymmetric. Quantized in chunks of output columns: the
    /// packed layout <c>[N, k_blocks, blob]</c>, the scales and the zero points are all column-major, so chunks along N
    /// concatenate.
    /// </summary>
    private List<string> QuantizedWeight(string weightName, WeightReader.Rows[] parts, int k, int n, int bits, QuantizedLayout layout) =>
        QuantizedWeight(_g, _w, _s, weightName, parts, k, n, bits, layout);

    /// <inheritdoc cref="QuantizedWeight(string, WeightReader.Rows[], int, int, int, QuantizedLayout)"/>
    internal static List<string> QuantizedWeight(GraphBuilder g, WeightReader w, ExportSettings s, string weightName, WeightReader.Rows[] parts, int k, int n, int bits, QuantizedLayout layout)
    {
        var prefix = $"{weightName}.weight.MatMulNBits";
        var kBlocks = (k + s.BlockSize - 1) / s.BlockSize;
        var blob = s.BlockSize * bits / 8;
        var zeroPointRow = bits == 8 ? kBlocks : (kBlocks + 1) / 2;
        var scales = new float[(long)n * kBlocks];
        var zeroPoints = s.Symmetric ? null : new byte[(long)n * zeroPointRow];
        var chunk = (int)Math.Clamp(s.ChunkElements / k, 1, n);
        long[] packedDims = layout == QuantizedLayout.Table ? [n, (long)kBlocks * blob] : [n, kBlocks, blob];
        g.BeginInitializer($"{prefix}.qweight", OnnxDataType.UInt8, packedDims, (long)n * kBlocks * blob);
        var buffer = new float[(long)k * chunk];
        for (var n0 = 0; n0 < n; n0 += chunk)
        {
            var width = Math.Min(chunk, n - n0);
            var values = width == chunk ? buffer : new float[(long)k * width];
            w.TransposedInto(WeightReader.Slice(parts, n0, n0 + width), k, width, values);
            var q = s.SearchScales
                ? BlockQuantizer.QuantizeSearched(values, k, width, bits, s.BlockSize, s.Symmetric)
                : BlockQuantizer.Quantize(values, k, width, bits, s.BlockSize, s.Symmetric);
            g.Data.Append(q.Packed);
            q.Scales.CopyTo(scales.AsSpan((int)((long)n0 * kBlocks)));
            q.ZeroPoints?.CopyTo(zeroPoints.AsSpan((int)((long)n0 * zeroPointRow)));
        }

        g.Data.End();
        var twoD = layout != QuantizedLayout.MatMulNBits;
        var inputs = new List<string> { $"{prefix}.qweight", g.Initializer<float>($"{prefix}.scales", scales, twoD ? [n, kBlocks] : [scales.Length]) };
        if (zeroPoints is not null)
        {
            inputs.Add(g.Raw($"{prefix}.qzeros", OnnxDataType.UInt8, zeroPoints, twoD ? [n, zeroPointRow] : [zeroPoints.Length]));
        }

        return inputs;
    }

    private OliveNet.Onnx.Protos.AttributeProto[] NBitsAttributes(int k, int n, int bits) => NBitsAttributes(_s, k, n, bits);

    /// <summary>MatMulNBits' attributes: K, N, bits, block_size, and accuracy_level when set.</summary>
    internal static OliveNet.Onnx.Protos.AttributeProto[] NBitsAttributes(ExportSettings s, int k, int n, int bits)
    {
        var attributes = new List<OliveNet.Onnx.Protos.AttributeProto>
        {
            GraphBuilder.Int("K", k), GraphBuilder.Int("N", n), GraphBuilder.Int("bits", bits), GraphBuilder.Int("block_size", s.BlockSize),
        };
        if (s.AccuracyLevel != 0)
        {
            attributes.Add(GraphBuilder.Int("accuracy_level", s.AccuracyLevel));
        }

        return [.. attributes];
    }
}
