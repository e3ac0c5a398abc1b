using System.Text.Json.Nodes;
using OliveNet.Passes.Export;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// config.json of the real vision-language checkpoints (their published shapes, vision_config trimmed) read as their
/// text decoder: the fields that come from text_config, the wrapper and the text config class's defaults, and the
/// rope each family's tables are built from.
/// </summary>
public sealed class MultimodalConfigTests
{
    [Fact]
    public void Gemma_3_4b_takes_the_text_fields_its_config_omits_from_the_gemma3_text_defaults()
    {
        var c = Load("""
            {"architectures": ["Gemma3ForConditionalGeneration"], "boi_token_index": 255999, "eoi_token_index": 256000,
             "eos_token_id": [1, 106], "image_token_index": 262144, "initializer_range": 0.02, "mm_tokens_per_image": 256, "model_type": "gemma3",
             "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "model_type": "gemma3_text", "num_hidden_layers": 34,
                             "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "sliding_window": 1024},
             "torch_dtype": "bfloat16", "transformers_version": "4.50.0.dev0",
             "vision_config": {"hidden_size": 1152, "model_type": "siglip_vision_model", "num_hidden_layers": 27}}
            """);
        Assert.Equal(DecoderFamily.Gemma3, c.Family);
        Assert.Equal((2560, 10240, 34, 8, 4, 256, 262208), (c.Hidden, c.Intermediate, c.Layers, c.Heads, c.KvHeads, c.HeadDim, c.Vocab));
        Assert.True(c.TieEmbeddings);
        Assert.Equal((1000000.0, 10000.0, 256.0, 1024.0, 6.0), (c.RopeTheta, c.Number("rope_local_base_freq"), c.Number("query_pre_attn_scalar"), c.Number("sliding_window"), c.Number("sliding_window_pattern")));
        Assert.Equal("[1,106]", c.Raw["eos_token_id"]!.ToJsonString());
    }

    [Fact]
    public void Qwen3_vl_reads_text_config_and_its_m_rope_as_ordinary_rope()
    {
        var c = Load("""
            {"architectures": ["Qwen3VLForConditionalGeneration"], "image_token_id": 151655, "model_type": "qwen3_vl", "tie_word_embeddings": true,
             "text_config": {"attention_bias": false, "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu",
                             "hidden_size": 2048, "intermediate_size": 6144, "max_position_embeddings": 262144, "model_type": "qwen3_vl_text",
                             "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
                             "rope_scaling": {"mrope_interleaved": true, "mrope_section": [24, 20, 20], "rope_type": "default"},
                             "rope_theta": 5000000, "vocab_size": 151936},
             "vision_config": {"depth": 24, "model_type": "qwen3_vl", "deepstack_visual_indexes": [5, 11, 17]}}
            """);
        Assert.Equal(DecoderFamily.Qwen3, c.Family);
        Assert.Equal((2048, 28, 16, 8, 128, 151936), (c.Hidden, c.Layers, c.Heads, c.KvHeads, c.HeadDim, c.Vocab));
        Assert.True(c.TieEmbeddings);
        Assert.Equal(5000000.0, c.RopeTheta);
        var plain = RopeTables.InverseFrequencies(128, 5000000.0, null);
        Assert.Equal(plain, RopeTables.InverseFrequencies(128, c.RopeTheta, c.Raw["rope_scaling"] as JsonObject, c.MaxPositions));
        Assert.Equal("qwen3", GenAiConfig.Create(c, new ExportSettings("int4", 64, true, 4, false, false), "model.onnx")["model"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void Ministral_3_reads_rope_parameters_as_yarn_with_its_published_values()
    {
        var c = Load("""
            {"architectures": ["Mistral3ForConditionalGeneration"], "image_token_index": 10, "model_type": "mistral3", "tie_word_embeddings": true,
             "text_config": {"head_dim": 128, "hidden_act": "silu", "hidden_size": 3072, "intermediate_size": 9216, "max_position_embeddings": 262144,
                             "model_type": "ministral3", "num_attention_heads": 32, "num_hidden_layers": 26, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
                             "rope_parameters": {"beta_fast": 32.0, "beta_slow": 1.0, "factor": 16.0, "llama_4_scaling_beta": 0.1, "mscale": 1.0,
                                                 "mscale_all_dim": 1.0, "original_max_position_embeddings": 16384, "rope_theta": 1000000.0, "rope_type": "yarn"},
                             "sliding_window": null, "vocab_size": 131072},
             "vision_config": {"model_type": "pixtral"}}
            """);
        Assert.Equal(DecoderFamily.Ministral3, c.Family);
        Assert.Equal((3072, 26, 32, 8, 128, 131072, 262144), (c.Hidden, c.Layers, c.Heads, c.KvHeads, c.HeadDim, c.Vocab, c.MaxPositions));
        Assert.Equal(1000000.0, c.RopeTheta);
        var scaling = (JsonObject)c.Raw["rope_scaling"]!;
        Assert.Equal("yarn", RopeTables.Kind(scaling));

        // mscale = mscale_all_dim: the attention factor is m(16)/m(16) = 1.
        Assert.Equal(1.0, RopeTables.YarnMagnitude(scaling, c.MaxPositions));

        // The correction range over 64 frequencies: d·ln(16384 / (2π·β)) / (2 ln 1e6) = 20.4 for β = 32 (floored to 20)
        // and 36.4 for β = 1 (ceiled to 37). Below it frequencies are kept, above it divided by 16, between blended.
        var yarn = RopeTables.InverseFrequencies(128, c.RopeTheta, scaling, c.MaxPositions);
        var plain = RopeTables.InverseFrequencies(128, c.RopeTheta, null);
        for (var i = 0; i < 64; i++)
        {
            var expected = i <= 20 ? plain[i] : i >= 37 ? plain[i] / 16 : plain[i] * ((1 - ((i - 20) / 17.0)) + ((i - 20) / 17.0 / 16));
            Assert.Equal(expected, yarn[i], 1e-12 * plain[i]);
        }
    }

    [Fact]
    public void A_mistral_3_with_an_unknown_text_model_is_refused_naming_what_is_supported()
    {
        var e = Assert.Throws<ExportException>(() => Load("""
            {"architectures": ["Mistral3ForConditionalGeneration"], "text_config": {"model_type": "mixtral", "hidden_size": 8, "intermediate_size": 8,
             "num_hidden_layers": 1, "num_attention_heads": 1, "vocab_size": 8}}
            """));
        Assert.Contains("text_config model_type 'mixtral'", e.Message, StringComparison.Ordinal);
        Assert.Contains("ministral3, mistral", e.Message, StringComparison.Ordinal);
    }

    private static HfConfig Load(string json)
    {
        using var temp = new TempFolder();
        File.WriteAllText(Path.Combine(temp.Path, "config.json"), json);
        return HfConfig.Load(temp.Path);
    }
}
