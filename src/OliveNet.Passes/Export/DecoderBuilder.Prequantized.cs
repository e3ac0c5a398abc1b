using OliveNet.Onnx;
using OliveNet.Passes.Export.Onnx;
using OliveNet.Passes.Quantization.WeightOnly;

namespace OliveNet.Passes.Export;

/// <summary>
/// Weights a quantized checkpoint (Rtn/Gptq, or Olive) carries as blocks: packed into MatMulNBits unchanged. Olive's
/// layout is MatMulNBits's (codes <c>[N, K·bits/8]</c> = <c>[N, blocks, blob]</c>, scales and zero points per row), so
/// the codes are copied; a group larger than MatMulNBits's largest block (per-channel groups) is written as several
/// blocks that repeat its scale and zero point, which dequantizes to the same values. An act-order weight (GPTQ desc_act)
/// is stored with its input rows sorted by group, and its input is gathered in that order first.
/// </summary>
internal sealed partial class DecoderBuilder
{
    private static readonly int[] BlockSizes = [256, 128, 64, 32, 16];

    private string PrequantizedLinear(string nodeName, string input, string weightName, PackedWeight[] parts, int k, int n)
    {
        var spec = parts[0].Spec;
        if (parts.Any(p => p.Spec.Bits != spec.Bits || p.Spec.GroupOf(k) != spec.GroupOf(k)))
        {
            throw new ExportException(
                $"{_w.Describe(weightName)}: the weights packed into this MatMulNBits were quantized with different settings ({string.Join(", ", parts.Select(p => p.Spec))}); quantize them alike (Rtn/Gptq give a layer's q/k/v one setting).");
        }

        var order = parts[0].InputOrder;
        if (parts.Any(p => p.InputOrder is null != order is null || (order is not null && !p.InputOrder!.AsSpan().SequenceEqual(order))))
        {
            throw new ExportException(
                $"{_w.Describe(weightName)}: the weights packed into this MatMulNBits were quantized with different act-order permutations (g_idx); they read the same input, so GPTQ gives them one — is the checkpoint from one GPTQ run?");
        }

        if (order is not null)
        {
            // Act-order GPTQ: the stored columns are the input rows in this order, so the activations are gathered the same way.
            input = _g.Op("Gather", nodeName.Replace("/MatMul", "/ActOrder/Gather", StringComparison.Ordinal),
                [input, _g.Initializer<long>($"{weightName}.weight.act_order", order.Select(i => (long)i).ToArray(), [order.Length])], string.Empty, GraphBuilder.Int("axis", -1));
        }

        var group = spec.GroupOf(k);
        var block = BlockSizes.FirstOrDefault(b => group % b == 0);
        if (block == 0)
        {
            throw new ExportException(
                $"{_w.Describe(weightName)}: groups of {group} cannot be MatMulNBits blocks (a power of two from 16 to 256, or a multiple of 16); quantize with a group_size of 16..256.");
        }

        var repeat = group / block;
        var kBlocks = k / block;
        var prefix = $"{weightName}.weight.MatMulNBits";
        _g.BeginInitializer($"{prefix}.qweight", OnnxDataType.UInt8, [n, kBlocks, block * spec.Bits / 8], (long)n * k * spec.Bits / 8);
        foreach (var p in parts)
        {
            _g.Data.Append(p.Codes);
        }

        _g.Data.End();
        var scales = new float[(long)n * kBlocks];
        var asymmetric = parts.Any(p => p.Zeros is not null);
        var zeroRow = PackedWeight.PackedBytes(kBlocks, spec.Bits);
        var zeros = asymmetric ? new byte[(long)n * zeroRow] : null;
        var rowZeros = new int[kBlocks];
        var row = 0;
        foreach (var p in parts)
        {
            for (var r = 0; r < p.Rows; r++, row++)
            {
                for (var b = 0; b < kBlocks; b++)
                {
                    scales[((long)row * kBlocks) + b] = p.Scales[(r * p.Groups) + (b / repeat)];
                    rowZeros[b] = p.Zero(r, b / repeat);
                }

                if (zeros is not null)
                {
                    PackedWeight.Pack(rowZeros, zeros.AsSpan(row * zeroRow, zeroRow), spec.Bits);
                }
            }
        }

        var inputs = new List<string> { input, $"{prefix}.qweight", FloatWeight($"{prefix}.scales", scales, [scales.Length]) };
        if (zeros is not null)
        {
            inputs.Add(_g.Raw($"{prefix}.qzeros", OnnxDataType.UInt8, zeros, [zeros.Length]));
        }

        var attributes = new List<OliveNet.Onnx.Protos.AttributeProto>
        {
            GraphBuilder.Int("K", k), GraphBuilder.Int("N", n), GraphBuilder.Int("bits", spec.Bits), GraphBuilder.Int("block_size", block),
        };
        if (_s.AccuracyLevel != 0)
        {
            attributes.Add(GraphBuilder.Int("accuracy_level", _s.AccuracyLevel));
        }

        return _g.Op("MatMulNBits", nodeName.Replace("/MatMul", "/MatMulNBits", StringComparison.Ordinal), inputs, GraphBuilder.Ms, [.. attributes]);
    }

    /// <summary>
    /// A token embedding a checkpoint pass already quantized (Rtn/Gptq with <c>embeds</c>, 4 or 8 bits): its blocks become
    /// a GatherBlockQuantized table unchanged — the same bytes, scales and zero points the tied LM head's MatMulNBits
    /// packs from the same tensor, so GraphSurgeries' TieWordEmbeddings can keep one copy. Null (a float Gather of the
    /// dequantized table) when the export quantizes no Gather, or the blocks do not fit GatherBlockQuantized.
    /// </summary>
    private string? PrequantizedEmbedding(string table)
    {
        if (_s.Bits == 0 || !_s.QuantizeGather || _s.NodesToExclude.Contains(ExportSettings.EmbeddingNode) || _w.Prequantized([_w.All(table)]) is not [var w] || w.Spec.Bits is not (4 or 8) || w.InputOrder is not null)
        {
            return null;
        }

        var group = w.Spec.GroupOf(_c.Hidden);
        var block = BlockSizes.FirstOrDefault(b => group % b == 0);
        if (block == 0)
        {
            return null;
        }

        var repeat = group / block;
        var kBlocks = _c.Hidden / block;
        const string Prefix = "model.embed_tokens.weight.GatherBlockQuantized";
        var data = _g.Raw($"{Prefix}.qweight", OnnxDataType.UInt8, w.Codes, [_c.Vocab, (long)_c.Hidden * w.Spec.Bits / 8]);
        var scales = new float[(long)_c.Vocab * kBlocks];
        var zeroRow = PackedWeight.PackedBytes(kBlocks, w.Spec.Bits);
        var zeros = w.Zeros is null ? null : new byte[(long)_c.Vocab * zeroRow];
        var rowZeros = new int[kBlocks];
        for (var r = 0; r < _c.Vocab; r++)
        {
            for (var b = 0; b < kBlocks; b++)
            {
                scales[((long)r * kBlocks) + b] = w.Scales[(r * w.Groups) + (b / repeat)];
                rowZeros[b] = w.Zero(r, b / repeat);
            }

            if (zeros is not null)
            {
                PackedWeight.Pack(rowZeros, zeros.AsSpan(r * zeroRow, zeroRow), w.Spec.Bits);
            }
        }

        List<string> inputs = [data, "input_ids", FloatWeight($"{Prefix}.scales", scales, [_c.Vocab, kBlocks])];
        if (zeros is not null)
        {
            inputs.Add(_g.Raw($"{Prefix}.qzeros", OnnxDataType.UInt8, zeros, [_c.Vocab, zeroRow]));
        }

        return _g.Op("GatherBlockQuantized", "/model/embed_tokens/GatherBlockQuantized", inputs, GraphBuilder.Ms,
            GraphBuilder.Int("bits", w.Spec.Bits), GraphBuilder.Int("block_size", block), GraphBuilder.Int("gather_axis", 0), GraphBuilder.Int("quantize_axis", 1));
    }
}
