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

    /// <summary>Builds the config for an exported checkpoint.</summary>
    public static JsonObject Create(HfConfig c, ExportSettings s, string modelFile)
    {
        var g = c.Generation;
        JsonNode? Id(string key) => (g[key] ?? c.Raw[key])?.DeepClone();
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
        var eos = Id("eos_token_id") ?? 0;
        return new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["bos_token_id"] = Id("bos_token_id") ?? 0,
                ["context_length"] = c.MaxPositions,
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
                ["pad_token_id"] = Id("pad_token_id") ?? (eos is JsonArray a ? a[0]!.DeepClone() : eos.DeepClone()),
                ["type"] = c.Architecture.Split("For")[0].ToLowerInvariant(),
                ["vocab_size"] = c.Vocab,
            },
            ["search"] = new JsonObject
            {
                ["diversity_penalty"] = 0.0,
                ["do_sample"] = g["do_sample"]?.GetValue<bool>() ?? false,
                ["early_stopping"] = true,
                ["length_penalty"] = 1.0,
                ["max_length"] = c.MaxPositions,
                ["min_length"] = 0,
                ["no_repeat_ngram_size"] = 0,
                ["num_beams"] = 1,
                ["num_return_sequences"] = 1,
                ["past_present_share_buffer"] = true,
                ["repetition_penalty"] = g["repetition_penalty"]?.GetValue<double>() ?? 1.0,
                ["temperature"] = g["temperature"]?.GetValue<double>() ?? 1.0,
                ["top_k"] = g["top_k"]?.GetValue<int>() ?? 50,
                ["top_p"] = g["top_p"]?.GetValue<double>() ?? 1.0,
            },
        };
    }

    /// <summary>Writes the config indented, through a temp file.</summary>
    public static void Write(JsonObject config, string folder)
    {
        var path = Path.Combine(folder, FileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temp, path, overwrite: true);
    }
}
