using System.Text.Json.Nodes;

namespace OliveNet.Passes.Export;

/// <summary>Qwen3.5's config: text settings nested in <c>text_config</c>, rope in <c>rope_parameters</c>, per-layer types.</summary>
internal sealed partial record HfConfig
{
    /// <summary>The two layer kinds of a hybrid decoder.</summary>
    public const string LinearAttention = "linear_attention";

    /// <summary>A full (softmax) attention layer with a KV cache.</summary>
    public const string FullAttention = "full_attention";

    /// <summary>Whether <paramref name="layer"/> is a Gated DeltaNet layer (recurrent and conv state instead of a KV cache).</summary>
    public bool IsLinearLayer(int layer) => Family == DecoderFamily.Qwen35 && Raw["layer_types"]![layer]!.GetValue<string>() == LinearAttention;

    /// <summary>An integer of the (flattened) config, or <paramref name="fallback"/> when absent.</summary>
    public int IntOr(string key, int fallback) => Raw[key] is JsonValue v && v.TryGetValue<int>(out var i) ? i : fallback;

    /// <summary>
    /// One flat config for the text decoder: <c>text_config</c>'s fields over the top level (the top level's
    /// <c>tie_word_embeddings</c> wins, as the conditional-generation model ties its head by it), <c>rope_theta</c> and
    /// <c>partial_rotary_factor</c> lifted out of <c>rope_parameters</c> (M-RoPE sections are dropped: text-only
    /// positions are equal in all three sections, which is ordinary rope), and <c>layer_types</c> filled from
    /// <c>full_attention_interval</c> when absent. (The weights' <c>model.language_model.</c> prefix is mapped by SafeTensorsCheckpoint.)
    /// </summary>
    /// <exception cref="ExportException">A rope type other than default, or layer types that do not fit.</exception>
    private static JsonObject FlattenQwen35(JsonObject raw, string path)
    {
        var flat = (JsonObject)raw.DeepClone();
        if (raw["text_config"] is JsonObject text)
        {
            foreach (var (key, value) in text)
            {
                flat[key] = value?.DeepClone();
            }

            if (raw["tie_word_embeddings"] is { } tie)
            {
                flat["tie_word_embeddings"] = tie.DeepClone();
            }

            flat.Remove("text_config");
            flat.Remove("vision_config");
        }

        var rope = flat["rope_parameters"] as JsonObject ?? flat["rope_scaling"] as JsonObject;
        if (rope is not null)
        {
            var type = (rope["rope_type"] ?? rope["type"])?.GetValue<string>() ?? "default";
            if (type is not ("default" or "mrope"))
            {
                throw new ExportException($"{path}: rope type '{type}' of Qwen3.5 is not supported by ModelBuilder (only the default rope with M-RoPE sections); export a checkpoint without rope scaling.");
            }

            foreach (var key in new[] { "rope_theta", "partial_rotary_factor" })
            {
                if (rope[key] is { } value)
                {
                    flat[key] = value.DeepClone();
                }
            }
        }

        flat.Remove("rope_scaling");
        flat.Remove("rope_parameters");
        flat["partial_rotary_factor"] ??= 0.25;
        var layers = Int(flat, path, "num_hidden_layers");
        if (flat["layer_types"] is not JsonArray)
        {
            var interval = flat["full_attention_interval"] is JsonValue v && v.TryGetValue<int>(out var i) ? i : 4;
            flat["layer_types"] = new JsonArray(Enumerable.Range(0, layers).Select(l => (JsonNode)((l + 1) % interval == 0 ? FullAttention : LinearAttention)).ToArray());
        }

        var types = ((JsonArray)flat["layer_types"]!).Select(t => t?.GetValue<string>()).ToArray();
        if (types.Length != layers || types.Any(t => t is not (LinearAttention or FullAttention)))
        {
            throw new ExportException(
                $"{path}: layer_types must list {layers} entries, each '{LinearAttention}' or '{FullAttention}'; it has [{string.Join(", ", types)}].");
        }

        return flat;
    }
}
