using System.Text.Json.Nodes;

namespace OliveNet.Passes.Export;

/// <summary>
/// The text decoder of a vision-language checkpoint (Qwen2.5-VL, Qwen3-VL, Gemma 3 multimodal, Mistral 3) seen as a
/// plain decoder config: <c>text_config</c>'s fields over the top level's (the top level keeps what the wrapper owns:
/// <c>architectures</c>, <c>tie_word_embeddings</c>, <c>quantization_config</c>, ids), the vision and audio sub-configs
/// dropped, transformers' <c>rope_parameters</c> read as <c>rope_theta</c> + <c>rope_scaling</c>, and Gemma 3's text
/// defaults filled where its <c>text_config</c> leaves them out (the real 4B config names only a few fields).
/// The result is itself a valid input: flattening it again changes nothing, so passes that rewrite config.json
/// (Rtn, Gptq, SelectiveMixedPrecision) write it flattened and ModelBuilder reads it back.
/// </summary>
internal static class MultimodalConfig
{
    /// <summary>Wrapper architectures whose text decoder ModelBuilder exports.</summary>
    public static readonly string[] Wrappers =
        ["Qwen3VLForConditionalGeneration", "Qwen2_5_VLForConditionalGeneration", "Gemma3ForConditionalGeneration", "Mistral3ForConditionalGeneration"];

    // Gemma3TextConfig's defaults (transformers), for the fields google/gemma-3-4b-it's text_config omits.
    private static readonly (string Key, JsonNode Value)[] GemmaTextDefaults =
    [
        ("vocab_size", 262208), ("hidden_size", 2304), ("intermediate_size", 9216), ("num_hidden_layers", 26), ("num_attention_heads", 8),
        ("num_key_value_heads", 4), ("head_dim", 256), ("max_position_embeddings", 131072), ("rms_norm_eps", 1e-6), ("rope_theta", 1000000.0),
        ("rope_local_base_freq", 10000.0), ("query_pre_attn_scalar", 256), ("sliding_window", 4096), ("sliding_window_pattern", 6),
        ("hidden_activation", "gelu_pytorch_tanh"),
    ];

    /// <summary>Whether <paramref name="architecture"/> is a vision-language wrapper.</summary>
    public static bool IsWrapper(string architecture) => Wrappers.Contains(architecture, StringComparer.Ordinal);

    /// <summary>
    /// The flattened text-decoder config of a wrapper checkpoint's <paramref name="raw"/> config.json, or
    /// <paramref name="raw"/> itself when it is not a wrapper.
    /// </summary>
    public static JsonObject Flatten(JsonObject raw)
    {
        var architecture = raw["architectures"] is JsonArray { Count: > 0 } a && a[0] is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty;
        if (!IsWrapper(architecture))
        {
            return raw;
        }

        var flat = new JsonObject();
        foreach (var (key, value) in raw)
        {
            if (key is not ("text_config" or "vision_config" or "audio_config"))
            {
                flat[key] = value?.DeepClone();
            }
        }

        if (raw["text_config"] is JsonObject text)
        {
            foreach (var (key, value) in text)
            {
                // The wrapper's own tie setting is the one its model applies (it ties lm_head to the language model's embeddings).
                if (key is "architectures" || (key == "tie_word_embeddings" && raw.ContainsKey(key)))
                {
                    continue;
                }

                flat[key] = value?.DeepClone();
            }
        }

        if (flat["model_type"]?.GetValue<string>() == "gemma3_text" || architecture == "Gemma3ForConditionalGeneration")
        {
            flat["model_type"] = "gemma3_text";
            foreach (var (key, value) in GemmaTextDefaults)
            {
                if (flat[key] is null)
                {
                    flat[key] = value.DeepClone();
                }
            }

            // PretrainedConfig ties by default; Gemma 3 always does.
            flat["tie_word_embeddings"] ??= true;
        }

        if (flat["rope_parameters"] is JsonObject rope)
        {
            if (flat["rope_theta"] is null && rope["rope_theta"] is JsonValue theta)
            {
                flat["rope_theta"] = theta.DeepClone();
            }

            flat["rope_scaling"] ??= rope.DeepClone();
        }

        // Reparsed so that every value reads as if from a file (a default added as an int also reads as a double).
        return JsonNode.Parse(flat.ToJsonString())!.AsObject();
    }

    /// <summary>
    /// The family of a wrapper's text decoder: Qwen3-VL's text layers are Qwen3's, Qwen2.5-VL's are Qwen2's, Gemma 3's
    /// are Gemma 3 text's; Mistral 3 carries a Ministral 3 (yarn rope, position-scaled queries) or a Mistral text model.
    /// </summary>
    /// <exception cref="ExportException">Mistral 3 names a text model_type OliveNet does not export.</exception>
    public static DecoderFamily TextFamily(string architecture, JsonObject flat, string path) => architecture switch
    {
        "Qwen3VLForConditionalGeneration" => DecoderFamily.Qwen3,
        "Qwen2_5_VLForConditionalGeneration" => DecoderFamily.Qwen2,
        "Gemma3ForConditionalGeneration" => DecoderFamily.Gemma3,
        _ => flat["model_type"]?.GetValue<string>() switch
        {
            "ministral3" => DecoderFamily.Ministral3,
            "mistral" => DecoderFamily.Mistral,
            var other => throw new ExportException(
                $"{path}: {architecture} with text_config model_type '{other}' is not supported by ModelBuilder; supported text models: ministral3, mistral."),
        },
    };

    /// <summary>GenAI's decoder-only model type for a wrapper's text decoder (it runs on input_ids like any LLM), else null.</summary>
    public static string? GenAiType(string architecture, DecoderFamily family) => IsWrapper(architecture)
        ? family switch
        {
            DecoderFamily.Qwen3 => "qwen3",
            DecoderFamily.Qwen2 => "qwen2",
            DecoderFamily.Gemma3 => "gemma3_text",
            _ => "mistral",
        }
        : null;
}
