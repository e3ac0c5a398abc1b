using OliveNet.Onnx;
using OliveNet.Passes.Export.Onnx;

namespace OliveNet.Passes.Export;

/// <summary>
/// HunYuan dense V1 attention: RMS norms per head on q and k after they are rotated, so the rotation cannot be
/// GroupQueryAttention's fused one. q and k go through com.microsoft RotaryEmbedding with position ids computed
/// in-graph from the mask (each row's new tokens end at its seqlens_k), then the per-head norms, then
/// GroupQueryAttention with do_rotary 0; the KV cache holds the rotated, normed keys as Hugging Face's does.
/// </summary>
internal sealed partial class DecoderBuilder
{
    private string _positionIds = string.Empty;

    /// <summary>Splits the packed projection, rotates q and k and applies query_layernorm/key_layernorm per head.</summary>
    private (string Query, string Key, string Value) HunYuanQueryKey(int layer, string qkv, LayerRope rope)
    {
        var p = $"model.layers.{layer}.self_attn.";
        var n = $"/model/layers.{layer}/attn";
        int q = _c.Heads * _c.HeadDim, kv = _c.KvHeads * _c.HeadDim;
        var split = _g.Node("Split", $"{n}/qkv_proj/Split", [qkv, _g.Int64(false, q, kv, kv)], 3, string.Empty, GraphBuilder.Int("axis", -1));
        var query = Rotate($"{n}/q_rotary", split[0], _c.Heads, rope);
        var key = Rotate($"{n}/k_rotary", split[1], _c.KvHeads, rope);
        return (HeadNorm(layer, "q_norm", query, p + "query_layernorm.weight", q), HeadNorm(layer, "k_norm", key, p + "key_layernorm.weight", kv), split[2]);
    }

    /// <summary>com.microsoft RotaryEmbedding on <c>[batch, sequence, heads·head_dim]</c>, rotate-half layout.</summary>
    private string Rotate(string name, string x, int heads, LayerRope rope) =>
        _g.Op("RotaryEmbedding", $"{name}/RotaryEmbedding", [x, PositionIds(), rope.Cos, rope.Sin], GraphBuilder.Ms,
            GraphBuilder.Int("interleaved", 0), GraphBuilder.Int("num_heads", heads), GraphBuilder.Int("rotary_embedding_dim", _c.RotaryDim));

    /// <summary>
    /// Positions of the new tokens, <c>[batch, sequence]</c>: <c>seqlens_k + 1 − sequence_length + arange(sequence_length)</c>
    /// (a row's last new token sits at its attended length − 1, as GroupQueryAttention places it). Built once.
    /// </summary>
    private string PositionIds()
    {
        if (_positionIds.Length > 0)
        {
            return _positionIds;
        }

        const string p = "/model/pos_ids_reformat";
        var shape = _g.Op("Shape", $"{p}/Shape", [_s.ExcludeEmbeds ? "inputs_embeds" : "input_ids"]);
        var length = _g.Op("Gather", $"{p}/Gather", [shape, _g.Int64(true, 1)], attributes: GraphBuilder.Int("axis", 0));
        var seen = _g.Op("Cast", $"{p}/Cast", [_seqlensK], attributes: GraphBuilder.Int("to", (int)OnnxDataType.Int64));
        var end = _g.Op("Add", $"{p}/Add", [seen, _g.Int64(true, 1)]);
        var start = _g.Op("Sub", $"{p}/Sub", [end, length]);
        var steps = _g.Op("Range", $"{p}/Range", [_g.Int64(true, 0), length, _g.Int64(true, 1)]);
        var rows = _g.Op("Unsqueeze", $"{p}/Unsqueeze_0", [start, _g.Int64(false, 1)]);
        var columns = _g.Op("Unsqueeze", $"{p}/Unsqueeze_1", [steps, _g.Int64(false, 0)]);
        _positionIds = _g.Op("Add", $"{p}/Add_1", [rows, columns]);
        return _positionIds;
    }
}
