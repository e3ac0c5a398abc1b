using System.Text.Json.Nodes;
using OliveNet.Runtime.Generation;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// The genai_config.json the exporter writes, field by field against the fixture's own config.json and
/// generation_config.json and the layout ONNX Runtime GenAI's builder writes (../shared/reference/onnxruntime.md §5),
/// and read back by our generation runtime's reader.
/// </summary>
public sealed class GenAiConfigTests
{
    // GenAI's runtime accepts these decoder types (src/models/model_type.h, LLM list); Gemma 3 text is "gemma3_text"; OLMo 3 runs as "olmo" (0.20 has no olmo3).
    public static TheoryData<string, string> Types => new()
    {
        { "llama", "llama" }, { "qwen2", "qwen2" }, { "qwen3", "qwen3" }, { "mistral", "mistral" }, { "phi3", "phi3" }, { "gemma3", "gemma3_text" },
        { "smollm3", "smollm3" }, { "olmo3", "olmo" }, { "hunyuan", "hunyuandensev1" },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void Genai_config_carries_the_checkpoint_fields_and_the_runtime_reads_them(string name, string type)
    {
        using var temp = new TempFolder();
        var folder = ModelBuilderLogitsTests.Export(name, "fp32", temp.Path);
        var checkpoint = HfFixtures.Checkpoint(name);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(checkpoint, "config.json")))!;
        var generation = JsonNode.Parse(File.ReadAllText(Path.Combine(checkpoint, "generation_config.json")))!;
        var genai = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "genai_config.json")))!;
        var model = genai["model"]!;
        var decoder = model["decoder"]!;
        var search = genai["search"]!;

        var heads = config["num_attention_heads"]!.GetValue<int>();
        var context = config["max_position_embeddings"]!.GetValue<int>();
        Assert.Equal(type, model["type"]!.GetValue<string>());
        Assert.Equal(context, model["context_length"]!.GetValue<int>());
        Assert.Equal(config["vocab_size"]!.GetValue<int>(), model["vocab_size"]!.GetValue<int>());
        Assert.Equal(generation["bos_token_id"]!.ToJsonString(), model["bos_token_id"]!.ToJsonString());
        Assert.Equal(generation["eos_token_id"]!.ToJsonString(), model["eos_token_id"]!.ToJsonString());
        Assert.Equal(generation["pad_token_id"]!.ToJsonString(), model["pad_token_id"]!.ToJsonString());
        Assert.Equal("model.onnx", decoder["filename"]!.GetValue<string>());
        Assert.Equal(config["head_dim"]?.GetValue<int>() ?? (config["hidden_size"]!.GetValue<int>() / heads), decoder["head_size"]!.GetValue<int>());
        Assert.Equal(config["hidden_size"]!.GetValue<int>(), decoder["hidden_size"]!.GetValue<int>());
        Assert.Equal(heads, decoder["num_attention_heads"]!.GetValue<int>());
        Assert.Equal(config["num_hidden_layers"]!.GetValue<int>(), decoder["num_hidden_layers"]!.GetValue<int>());
        Assert.Equal(config["num_key_value_heads"]!.GetValue<int>(), decoder["num_key_value_heads"]!.GetValue<int>());
        Assert.Equal("""{"log_id":"onnxruntime-genai","provider_options":[]}""", decoder["session_options"]!.ToJsonString());
        Assert.Equal("""{"input_ids":"input_ids","attention_mask":"attention_mask","past_key_names":"past_key_values.%d.key","past_value_names":"past_key_values.%d.value"}""", decoder["inputs"]!.ToJsonString());
        Assert.Equal("""{"logits":"logits","present_key_names":"present.%d.key","present_value_names":"present.%d.value"}""", decoder["outputs"]!.ToJsonString());

        // Full-length caches with GroupQueryAttention's local_window_size: no sliding_window section (see GenAiConfig).
        Assert.Null(decoder["sliding_window"]);

        // Search: generation_config.json's values where it has them, GenAI's defaults elsewhere; max_length = context.
        Assert.Equal(generation["do_sample"]!.GetValue<bool>(), search["do_sample"]!.GetValue<bool>());
        Assert.Equal(generation["temperature"]!.GetValue<double>(), search["temperature"]!.GetValue<double>());
        Assert.Equal(generation["top_k"]!.GetValue<int>(), search["top_k"]!.GetValue<int>());
        Assert.Equal(generation["top_p"]!.GetValue<double>(), search["top_p"]!.GetValue<double>());
        Assert.Equal(context, search["max_length"]!.GetValue<int>());
        Assert.True(search["past_present_share_buffer"]!.GetValue<bool>());
        Assert.True(search["early_stopping"]!.GetValue<bool>());
        Assert.Equal(
            """{"diversity_penalty":0,"length_penalty":1,"min_length":0,"no_repeat_ngram_size":0,"num_beams":1,"num_return_sequences":1,"repetition_penalty":1}""",
            new JsonObject(new[] { "diversity_penalty", "length_penalty", "min_length", "no_repeat_ngram_size", "num_beams", "num_return_sequences", "repetition_penalty" }
                .Select(k => KeyValuePair.Create(k, (JsonNode?)search[k]!.DeepClone()))).ToJsonString());

        // Our runtime reads the same file: ids, geometry and search defaults arrive intact.
        var read = GenAIConfig.Load(Path.Combine(folder, "genai_config.json"));
        var eos = generation["eos_token_id"]!;
        Assert.Equal(eos is JsonArray list ? list.Select(v => v!.GetValue<int>()).ToArray() : [eos.GetValue<int>()], read.EosTokenIds);
        Assert.Equal(generation["bos_token_id"]!.GetValue<int>(), read.BosTokenId);
        Assert.Equal((context, decoder["head_size"]!.GetValue<int>()), (read.ContextLength, read.HeadSize));
        Assert.Equal((generation["do_sample"]!.GetValue<bool>(), generation["top_k"]!.GetValue<int>(), true), (read.Search.DoSample, read.Search.TopK, read.Search.PastPresentShareBuffer));
        Assert.Equal((float)generation["temperature"]!.GetValue<double>(), read.Search.Temperature);
        Assert.Equal(context, read.Search.MaxLength);
    }

    [Fact]
    public void Ids_missing_from_both_configs_take_genai_defaults_and_search_falls_back_to_config_json()
    {
        using var temp = new TempFolder();
        var source = temp.Sub("checkpoint");
        foreach (var file in Directory.GetFiles(HfFixtures.Checkpoint("llama")))
        {
            File.Copy(file, Path.Combine(source, Path.GetFileName(file)));
        }

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!.AsObject();
        config.Remove("bos_token_id");
        config.Remove("pad_token_id");
        config["eos_token_id"] = 7;
        config["repetition_penalty"] = 1.25;
        File.WriteAllText(Path.Combine(source, "config.json"), config.ToJsonString());
        File.WriteAllText(Path.Combine(source, "generation_config.json"), """{"top_p": 0.9}""");
        var output = temp.Sub("out");
        OliveNet.Passes.Export.ModelBuilderPass.Export(source, output, new OliveNet.Passes.Export.ExportSettings("fp32", 32, true, 4, false, false), TextWriter.Null, default);
        var genai = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "genai_config.json")))!;

        // GenAI's builder: bos 1 when absent, pad = eos (its first id when a list), top_k 50, temperature 1.
        Assert.Equal(1, genai["model"]!["bos_token_id"]!.GetValue<int>());
        Assert.Equal(7, genai["model"]!["eos_token_id"]!.GetValue<int>());
        Assert.Equal(7, genai["model"]!["pad_token_id"]!.GetValue<int>());
        Assert.Equal(0.9, genai["search"]!["top_p"]!.GetValue<double>());
        Assert.Equal(50, genai["search"]!["top_k"]!.GetValue<int>());
        Assert.Equal(1.0, genai["search"]!["temperature"]!.GetValue<double>());
        Assert.Equal(1.25, genai["search"]!["repetition_penalty"]!.GetValue<double>());
        Assert.Equal([7], GenAIConfig.Load(Path.Combine(output, "genai_config.json")).EosTokenIds);
    }
}
