using System.Text.Json.Nodes;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;
using OliveNet.Passes.Export;

namespace OliveNet.Passes.Tests.Export;

/// <summary>The pass contract: GenAI layout and config, options validation, clear refusals.</summary>
public sealed class ModelBuilderPassTests
{
    private readonly ModelBuilderPass _pass = new();

    [Fact]
    public void The_output_folder_has_the_genai_layout_config_and_tokenizer()
    {
        using var temp = new TempFolder();
        var checkpoint = HfFixtures.Checkpoint("llama");
        var context = new PassContext(ModelArtifact.Checkpoint(checkpoint), temp.Path, Target.Cpu, TextWriter.Null, default);
        _pass.Run(context, new ModelBuilderOptions { Precision = "fp32" });

        var model = OliveNet.Onnx.OnnxModel.Load(context.OutputModelPath);
        var g = model.Proto.Graph;
        Assert.Equal(["input_ids", "attention_mask", "past_key_values.0.key", "past_key_values.0.value", "past_key_values.1.key", "past_key_values.1.value"], g.Input.Select(i => i.Name));
        Assert.Equal(["logits", "present.0.key", "present.0.value", "present.1.key", "present.1.value"], g.Output.Select(o => o.Name));
        Assert.Equal(2, g.Node.Count(n => n.OpType == "GroupQueryAttention" && n.Domain == "com.microsoft"));
        Assert.All(g.Node.Where(n => n.OpType == "GroupQueryAttention"), n => Assert.Equal(1, n.Attribute.Single(a => a.Name == "do_rotary").I));
        Assert.Single(g.Node, n => n.OpType == "SimplifiedLayerNormalization");
        Assert.Equal(4, g.Node.Count(n => n.OpType == "SkipSimplifiedLayerNormalization"));
        Assert.True(File.Exists(Path.Combine(temp.Path, "model.onnx.data")));
        Assert.True(File.ReadAllBytes(Path.Combine(temp.Path, "tokenizer.json")).SequenceEqual(File.ReadAllBytes(Path.Combine(checkpoint, "tokenizer.json"))));

        var genai = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Path, "genai_config.json")))!;
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(checkpoint, "config.json")))!;
        Assert.Equal(config["max_position_embeddings"]!.GetValue<int>(), genai["model"]!["context_length"]!.GetValue<int>());
        Assert.Equal("[257,256]", genai["model"]!["eos_token_id"]!.ToJsonString());
        Assert.Equal(257, genai["model"]!["pad_token_id"]!.GetValue<int>());
        Assert.Equal("llama", genai["model"]!["type"]!.GetValue<string>());
        Assert.Equal("past_key_values.%d.key", genai["model"]!["decoder"]!["inputs"]!["past_key_names"]!.GetValue<string>());
        Assert.Equal(20, genai["search"]!["top_k"]!.GetValue<int>());
    }

    [Fact]
    public void An_onnx_input_is_refused_with_what_to_do()
    {
        using var temp = new TempFolder();
        var context = new PassContext(new ModelArtifact(Path.Combine(temp.Path, "model.onnx"), "x"), temp.Sub("out"), Target.Cpu, TextWriter.Null, default);
        var e = Assert.Throws<PassFailedException>(() => _pass.Run(context, new ModelBuilderOptions()));
        Assert.Contains("HfModel", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_architecture_lists_the_supported_ones()
    {
        using var temp = new TempFolder();
        var checkpoint = temp.Sub("gpt2");
        File.WriteAllText(Path.Combine(checkpoint, "config.json"), """{"architectures": ["GPT2LMHeadModel"], "n_embd": 64}""");
        var context = new PassContext(ModelArtifact.Checkpoint(checkpoint), temp.Sub("out"), Target.Cpu, TextWriter.Null, default);
        var e = Assert.Throws<PassFailedException>(() => _pass.Run(context, new ModelBuilderOptions()));
        Assert.Contains("'GPT2LMHeadModel' is not supported", e.Message, StringComparison.Ordinal);
        Assert.Contains("Qwen3ForCausalLM", e.Message, StringComparison.Ordinal);
        Assert.Contains("Gemma3ForCausalLM", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_are_reported_by_key()
    {
        var problems = _pass.Validate(new ModelBuilderOptions { Precision = "int3", Int4BlockSize = 48, ExecutionProvider = "cuda" }, Target.Cpu);
        Assert.Contains(problems, p => p.StartsWith("precision:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("int4_block_size:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("execution_provider:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_checkpoint_content_id_is_stable_and_follows_the_weights()
    {
        using var temp = new TempFolder();
        var copy = temp.Sub("copy");
        foreach (var f in Directory.GetFiles(HfFixtures.Checkpoint("qwen2")))
        {
            File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        }

        var before = ArtifactHasher.HashCheckpoint(copy);
        Assert.Equal(ArtifactHasher.HashCheckpoint(HfFixtures.Checkpoint("qwen2")), before);
        File.WriteAllText(Path.Combine(copy, "README.md"), "not part of the model");
        Assert.Equal(before, ArtifactHasher.HashCheckpoint(copy));
        using (var s = File.OpenWrite(Path.Combine(copy, "model.safetensors")))
        {
            s.Seek(-1, SeekOrigin.End);
            s.WriteByte(0x55);
        }

        Assert.NotEqual(before, ArtifactHasher.HashCheckpoint(copy));
    }
}
