using System.Text.Json.Nodes;
using OliveNet.Onnx;
using OliveNet.Passes.Export.Onnx;

namespace OliveNet.Passes.Export;

/// <summary>Ministral 3 (Mistral 3's text decoder): queries scaled by their position.</summary>
internal sealed partial class DecoderBuilder
{
    private string? _queryScale;

    /// <summary>
    /// Ministral 3 multiplies each rotated query by <c>1 + β·ln(1 + ⌊p / original_max_position_embeddings⌋)</c>
    /// (rope_parameters' <c>llama_4_scaling_beta</c>), p being the token's cache position. The positions of this
    /// step's tokens are <c>total − sequence_length … total − 1</c> with total the attention mask's length, so the
    /// scale is built once per graph as a <c>[sequence_length, 1]</c> column every layer's query shares; null for the
    /// other families. Inside the original context the scale is exactly 1; it only changes logits beyond it.
    /// </summary>
    private string? QueryPositionScale()
    {
        if (_c.Family != DecoderFamily.Ministral3 || _c.Raw["rope_scaling"] is not JsonObject scaling
            || scaling["llama_4_scaling_beta"] is not JsonValue b || !b.TryGetValue<double>(out var beta))
        {
            return null;
        }

        if (_queryScale is not null)
        {
            return _queryScale;
        }

        var original = scaling["original_max_position_embeddings"] is JsonValue o && o.TryGetValue<double>(out var value) ? value
            : throw new ExportException("config.json rope_parameters has llama_4_scaling_beta but no original_max_position_embeddings, which its query scale divides positions by.");
        const string n = "/model/query_position_scale";
        var tokens = _s.ExcludeEmbeds ? "inputs_embeds" : "input_ids";
        var shape = _g.Op("Shape", $"{n}/Shape", [tokens]);
        var length = _g.Op("Gather", $"{n}/Gather", [shape, _g.Int64(true, 1)], attributes: GraphBuilder.Int("axis", 0));
        var start = _g.Op("Sub", $"{n}/Sub", [_totalSeqLen64, length]);
        var positions = _g.Op("Range", $"{n}/Range", [start, _totalSeqLen64, _g.Int64(true, 1)]);
        var p = _g.Op("Cast", $"{n}/Cast", [positions], attributes: GraphBuilder.Int("to", (int)OnnxDataType.Float));
        var blocks = _g.Op("Floor", $"{n}/Floor", [_g.Op("Div", $"{n}/Div", [p, _g.Float((float)original)])]);
        var log = _g.Op("Log", $"{n}/Log", [_g.Op("Add", $"{n}/Add", [blocks, _g.Float(1f)])]);
        var scale = _g.Op("Add", $"{n}/Add_1", [_g.Op("Mul", $"{n}/Mul", [log, _g.Float((float)beta)]), _g.Float(1f)]);
        var column = _g.Op("Unsqueeze", $"{n}/Unsqueeze", [scale, _g.Int64(false, 1)]);
        _queryScale = Io == OnnxDataType.Float ? column : _g.Op("Cast", $"{n}/Cast_1", [column], attributes: GraphBuilder.Int("to", (int)Io));
        return _queryScale;
    }
}
