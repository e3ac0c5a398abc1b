using System.Text.Json;
using System.Text.Json.Nodes;

namespace OliveNet.Passes.Export;

/// <summary>
/// <c>genai_config.json</c> as ONNX Runtime GenAI reads it: model ids and sizes, the decoder's file and I/O names,
/// and search defaults from <c>generation_config.json</c>. Keys are written in a fixed order.
/// </summary>
internal static class GenAiConfig
{
    /// <summary>The config file name.</summary>
    public const string FileName = "genai_config.json";

    /// <summary>
    /// Builds the config for an exported checkpoint, field for field as ONNX Runtime GenAI's builder writes it:
    /// ids and search settings from <c>generation_config.json</c>, else <c>config.json</c>, else GenAI's defaults;
    /// <c>type</c> is the architecture name before "For", lowercased, except Gemma 3 text models, which GenAI's
    /// runtime knows as <c>gemma3_text</c> (plain <c>gemma3</c> is its vision-language type), Qwen3.5, whose text
    /// decoder (input_ids in, hybrid KV + recurrent state) is <c>qwen3_5_text</c>, and OLMo 3, which it runs as <c>olmo</c>
    /// (it has no <c>olmo3</c> type).
    /// </summary>
    /// <remarks>
    /// No <c>sliding_window</c> section: our graph keeps full-length KV caches and lets GroupQueryAttention's
    /// <c>local_window_size</c> mask old positions (GenAI's <c>windowed_kv_cache=false</c> build, which writes none).
    /// With the section a current GenAI runtime on CPU would allocate window-sized caches for those layers, which
    /// only a graph built for in-operator cache eviction accepts. Hence also <c>past_present_share_buffer</c> true:
    /// past and present are one preallocated max-length buffer per layer, as GroupQueryAttention supports.
    /// </remarks>
    public static JsonObject Create(HfConfig c, ExportSettings s, string modelFile)
    {
        JsonNode? Setting(string key) => (c.Generation[key] ?? c.Raw[key])?.DeepClone();
        T Search<T>(string key, T fallback) => Setting(key) is JsonValue v && v.TryGetValue<T>(out var value) ? value : fallback;
        var inputs = new JsonObject();
        inputs[s.ExcludeEmbeds ? "inputs_embeds" : "input_ids"] = s.ExcludeEmbeds ? "inputs_embeds" : "input_ids";
        inputs["attention_mask"] = "attention_mask";
        inputs["past_key_names"] = "past_key_values.%d.key";
        inputs["past_value_names"] = "past_key_values.%d.value";
        var outputs = new JsonObject
        {
            [s.ExcludeLmHead ? "hidden_states" : "logits"] = s.ExcludeLmHead ? "hidden_states" : "logits",
            ["present_key_names"] = "present.%d.key",
            ["present_value_names"] = "present.%d.value",
        };
        var eos = Setting("eos_token_id") ?? 0;
        var context = c.Raw["seq_length"]?.GetValue<int>() ?? c.MaxPositions;
        return new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["bos_token_id"] = Setting("bos_token_id") ?? 1,
                ["context_length"] = context,
                ["decoder"] = new JsonObject
                {
                    ["session_options"] = new JsonObject { ["log_id"] = "onnxruntime-genai", ["provider_options"] = new JsonArray() },
                    ["filename"] = modelFile,
                    ["head_size"] = c.HeadDim,
                    ["hidden_size"] = c.Hidden,
                    ["inputs"] = inputs,
                    ["outputs"] = outputs,
                    ["num_attention_heads"] = c.Heads,
                    ["num_hidden_layers"] = c.Layers,
                    ["num_key_value_heads"] = c.KvHeads,
                },
                ["eos_token_id"] = eos,
                ["pad_token_id"] = Setting("pad_token_id") ?? (eos is JsonArray a ? a[0]!.DeepClone() : eos.DeepClone()),
                ["type"] = MultimodalConfig.GenAiType(c.Architecture, c.Family) ?? ModelType(c.Architecture),
                ["vocab_size"] = c.Vocab,
            },
            ["search"] = new JsonObject
            {
                ["diversity_penalty"] = Search("diversity_penalty", 0.0),
                ["do_sample"] = Search("do_sample", false),
                ["early_stopping"] = true,
                ["length_penalty"] = Search("length_penalty", 1.0),
                ["max_length"] = context,
                ["min_length"] = 0,
                ["no_repeat_ngram_size"] = Search("no_repeat_ngram_size", 0),
                ["num_beams"] = Search("num_beams", 1),
                ["num_return_sequences"] = Search("num_return_sequences", 1),
                ["past_present_share_buffer"] = true,
                ["repetition_penalty"] = Search("repetition_penalty", 1.0),
                ["temperature"] = Search("temperature", 1.0),
                ["top_k"] = Search("top_k", 50),
                ["top_p"] = Search("top_p", 1.0),
            },
        };
    }

    /// <summary>GenAI's model type for a Hugging Face architecture name.</summary>
    public static string ModelType(string architecture) => architecture switch
    {
        "Gemma3ForCausalLM" => "gemma3_text",

        // GenAI 0.20 has no olmo3 type; its OLMo decoder type runs any decoder-only graph with this I/O.
        "Olmo3ForCausalLM" => "olmo",
        _ when architecture.StartsWith("Qwen3_5For", StringComparison.Ordinal) => "qwen3_5_text",
        _ => (architecture.Contains("For", StringComparison.Ordinal) ? architecture[..architecture.IndexOf("For", StringComparison.Ordinal)] : architecture).ToLowerInvariant(),
    };

    /// <summary>Writes the config indented, through a temp file.</summary>
    public static void Write(JsonObject config, string folder)
    {
        var path = Path.Combine(folder, FileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temp, path, overwrite: true);
    }
}
