using System.Text.Json.Nodes;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Export;
using OliveNet.Passes.Gguf;
using OliveNet.Passes.Graph.Surgeries;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Quantization.WeightOnly;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// SmolLM3 and OLMo 3 beyond the shared per-fixture tests (logits, KV cache, GenAI generation, int4/int8, layer slices):
/// the graph's per-layer structure, the config variants refused with what to do, GGUF's refusal, and Olive's CPU int4
/// recipe for each model (olive-recipes HuggingFaceTB-SmolLM3-3B/cpu, allenai-Olmo-3-7B-Instruct/cpu) written as a
/// recipe of our own on the fixture: SelectiveMixedPrecision kld_gradient → Gptq → Rtn → ModelBuilder int4
/// (→ GraphSurgeries TieWordEmbeddings for the tied SmolLM3), Olive's options (group 128, asymmetric, ratio 0.65).
/// </summary>
public sealed class DenseDecoderFamiliesTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [Fact]
    public void Smollm3_nope_layers_attend_without_rotary_and_the_others_with_it()
    {
        using var temp = new TempFolder();
        var graph = OnnxModel.Load(Path.Combine(ModelBuilderLogitsTests.Export("smollm3", "fp32", temp.Path), "model.onnx")).Proto.Graph;
        var rotary = graph.Node.Where(n => n.OpType == "GroupQueryAttention").Select(n => (n.Attribute.Single(a => a.Name == "do_rotary").I, n.Input.Count)).ToList();
        Assert.Equal([(1L, 9), (1L, 9), (1L, 9), (0L, 7)], rotary); // no_rope_layers [1, 1, 1, 0]
    }

    [Fact]
    public void Olmo3_has_no_pre_norms_whole_width_qk_norms_and_yarn_only_on_its_full_layer()
    {
        using var temp = new TempFolder();
        var graph = OnnxModel.Load(Path.Combine(ModelBuilderLogitsTests.Export("olmo3", "fp32", temp.Path), "model.onnx")).Proto.Graph;
        Assert.DoesNotContain(graph.Node, n => n.Name.Contains("input_layernorm", StringComparison.Ordinal));
        var qNorm = graph.Initializer.Single(t => t.Name == "model.layers.0.attn.q_norm.layernorm.weight");
        Assert.Equal([128L], qNorm.Dims); // heads × head_dim, not head_dim
        var attention = graph.Node.Where(n => n.OpType == "GroupQueryAttention").ToList();
        Assert.Equal([8L, 8L, 8L, -1L], attention.Select(n => n.Attribute.Single(a => a.Name == "local_window_size").I));
        Assert.Equal(["cos_cache_local", "cos_cache_local", "cos_cache_local", "cos_cache"], attention.Select(n => n.Input[7]));
    }

    [Fact]
    public void Hunyuan_rotates_q_and_k_before_its_per_head_norms_and_attends_without_fused_rotary()
    {
        using var temp = new TempFolder();
        var graph = OnnxModel.Load(Path.Combine(ModelBuilderLogitsTests.Export("hunyuan", "fp32", temp.Path), "model.onnx")).Proto.Graph;
        Assert.All(graph.Node.Where(n => n.OpType == "GroupQueryAttention"), n => Assert.Equal(0, n.Attribute.Single(a => a.Name == "do_rotary").I));
        var rotary = graph.Node.Single(n => n.Name == "/model/layers.0/attn/q_rotary/RotaryEmbedding");
        var reshape = graph.Node.Single(n => n.Name == "/model/layers.0/attn/q_norm/Reshape_1");
        Assert.Equal(rotary.Output[0], reshape.Input[0]); // norm after rotation
        Assert.Equal([32L], graph.Initializer.Single(t => t.Name == "model.layers.0.attn.q_norm.layernorm.weight").Dims);
    }

    [Fact]
    public void A_config_in_the_rope_parameters_form_of_newer_transformers_exports_the_same_logits()
    {
        using var temp = new TempFolder();
        var checkpoint = CopyWithConfig("olmo3", temp.Sub("checkpoint"), "rope_scaling", null);
        var path = Path.Combine(checkpoint, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var original = JsonNode.Parse(File.ReadAllText(Path.Combine(HfFixtures.Checkpoint("olmo3"), "config.json")))!;
        var full = original["rope_scaling"]!.DeepClone().AsObject();
        full["rope_theta"] = config["rope_theta"]!.DeepClone();
        config["rope_parameters"] = new JsonObject
        {
            ["sliding_attention"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = config["rope_theta"]!.DeepClone() },
            ["full_attention"] = full,
        };
        config.Remove("rope_scaling");
        config.Remove("rope_theta");
        File.WriteAllText(path, config.ToJsonString());
        ModelBuilderPass.Export(checkpoint, temp.Sub("out"), new ExportSettings("fp32", 32, true, 0, false, false), TextWriter.Null, default);
        var (ids, expected, _) = HfFixtures.Reference("olmo3");
        using var session = new DecoderSession(temp.Sub("out"));
        var error = ModelRunner.MaxAbsDiff(expected, session.Step(ids));
        Assert.True(error <= 1e-4 * expected.Max(Math.Abs), $"max |Δlogit| {error}"); // ModelBuilderLogitsTests' fp32 bound
    }

    [Theory]
    [InlineData("hunyuan", "use_cla", "true", "use_cla true (cross-layer attention")]
    [InlineData("hunyuan", "norm_type", "\"layer\"", "norm_type 'layer' is not supported")]
    [InlineData("smollm3", "no_rope_layers", "[1, 1]", "no_rope_layers must list 0 (NoPE) or 1 (RoPE) for each of the 4 layers")]
    [InlineData("smollm3", "mlp_bias", "true", "mlp_bias true is not supported")]
    [InlineData("olmo3", "layer_types", "[\"sliding_attention\", \"chunked_attention\", \"full_attention\", \"full_attention\"]", "layer_types must name sliding_attention or full_attention")]
    [InlineData("olmo3", "sliding_window", "null", "sliding_attention layers need a positive sliding_window")]
    [InlineData("olmo3", "rope_scaling", "{\"rope_type\": \"dynamic\", \"factor\": 2.0}", "rope_scaling type 'dynamic' is not supported")]
    public void Unsupported_config_variants_are_refused_naming_the_field(string name, string key, string value, string message)
    {
        using var temp = new TempFolder();
        var checkpoint = CopyWithConfig(name, temp.Sub("checkpoint"), key, JsonNode.Parse(value));
        var e = Assert.Throws<ExportException>(() => ModelBuilderPass.Export(checkpoint, temp.Sub("out"), new ExportSettings("fp32", 32, true, 0, false, false), TextWriter.Null, default));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("olmo3", "Olmo3ForCausalLM")]
    public void Gguf_export_refuses_the_architecture_in_one_line_with_what_to_do(string name, string architecture)
    {
        using var temp = new TempFolder();
        var e = Assert.Throws<ExportException>(() => GgufExportPass.Export(HfFixtures.Checkpoint(name), temp.Path, "Q8_0", 0, TextWriter.Null, default));
        Assert.Contains($"architecture '{architecture}' is not supported", e.Message, StringComparison.Ordinal);
        Assert.Contains("ModelBuilder", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void Gguf_export_of_smollm3_refuses_a_nope_pattern_llama_cpp_does_not_have()
    {
        using var temp = new TempFolder();
        var checkpoint = CopyWithConfig("smollm3", temp.Sub("checkpoint"), "no_rope_layers", new JsonArray(1, 0, 1, 0));
        var e = Assert.Throws<ExportException>(() => GgufExportPass.Export(checkpoint, temp.Sub("out"), "Q8_0", 0, TextWriter.Null, default));
        Assert.Contains("not every 4th layer", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(temp.Sub("out")));
    }

    [Theory]
    [InlineData("smollm3")]
    [InlineData("olmo3")]
    public void Olives_cpu_int4_recipe_runs_on_the_fixture_and_genai_greedy_generates(string name)
    {
        using var temp = new TempFolder();
        var smp = Run(new SelectiveMixedPrecisionPass(), new JsonObject
        {
            ["algorithm"] = "kld_gradient", ["bits"] = 4, ["high_bits"] = 8, ["ratio"] = 0.65, ["sym"] = false, ["group_size"] = 128,
            ["calibration_text"] = WeightOnlyFixtures.CalibrationText, ["max_seq_len"] = 32, ["max_samples"] = 4,
        }, HfFixtures.Checkpoint(name), temp.Sub("smp"));
        var gptq = Run(new GptqPass(), new JsonObject
        {
            ["bits"] = 4, ["sym"] = false, ["group_size"] = 128, ["calibration_text"] = WeightOnlyFixtures.CalibrationText, ["max_seq_len"] = 64, ["max_samples"] = 16,
        }, smp, temp.Sub("gptq"));
        var rtn = Run(new RtnPass(), JsonNode.Parse("""
            {"bits": 8, "sym": false, "group_size": 128, "lm_head": true, "embeds": true,
             "overrides": {"lm_head": {"bits": 8}, "model.embed_tokens": {"bits": 8}}}
            """)!.AsObject(), gptq, temp.Sub("rtn"));
        var onnx = Run(new ModelBuilderPass(), new JsonObject { ["precision"] = "int4" }, rtn, temp.Sub("onnx"));
        var mixed = JsonNode.Parse(File.ReadAllText(Path.Combine(smp, "config.json")))!["mixed_precision_info"]!["overrides"]!.AsObject();
        var bits = OnnxModel.Load(Path.Combine(onnx, "model.onnx")).Proto.Graph.Node.Where(n => n.OpType == "MatMulNBits")
            .Select(n => n.Attribute.Single(a => a.Name == "bits").I).ToList();
        Assert.Contains(4L, bits);
        Assert.True(bits.Count(b => b == 8) >= 2, $"bits {string.Join(", ", bits)}; SMP promoted {string.Join(", ", mixed.Select(kv => kv.Key))}"); // head + promoted modules

        Finish(name, onnx, tie: name == "smollm3", "SMP kld_gradient → Gptq → Rtn → ModelBuilder int4");
    }

    /// <summary>
    /// HY-MT1.5-1.8B's CPU int4 recipe (olive-recipes tencent-HY-MT1.5-1.8B/cpu): Gptq (4 bits, group 32, asymmetric) →
    /// Rtn (4 bits, group 32, LM head and embeddings too) → ModelBuilder int4 → TieWordEmbeddings.
    /// </summary>
    [Fact]
    public void Hy_mt_cpu_int4_recipe_runs_on_the_hunyuan_fixture_and_genai_greedy_generates()
    {
        using var temp = new TempFolder();
        var gptq = Run(new GptqPass(), new JsonObject
        {
            ["bits"] = 4, ["sym"] = false, ["group_size"] = 32, ["calibration_text"] = WeightOnlyFixtures.CalibrationText, ["max_seq_len"] = 64, ["max_samples"] = 16,
        }, HfFixtures.Checkpoint("hunyuan"), temp.Sub("gptq"));
        var rtn = Run(new RtnPass(), JsonNode.Parse("""
            {"bits": 4, "sym": false, "group_size": 32, "lm_head": true, "embeds": true,
             "overrides": {"lm_head": {"bits": 4}, "model.embed_tokens": {"bits": 4}}}
            """)!.AsObject(), gptq, temp.Sub("rtn"));
        var onnx = Run(new ModelBuilderPass(), new JsonObject { ["precision"] = "int4" }, rtn, temp.Sub("onnx"));
        var bits = OnnxModel.Load(Path.Combine(onnx, "model.onnx")).Proto.Graph.Node.Where(n => n.OpType == "MatMulNBits")
            .Select(n => n.Attribute.Single(a => a.Name == "bits").I).ToList();
        Assert.Equal((2 * 5) + 1, bits.Count); // qkv, o_proj, gate, up, down in each of 2 layers, and the head
        Assert.All(bits, b => Assert.Equal(4L, b));
        Finish("hunyuan", onnx, tie: true, "Gptq → Rtn → ModelBuilder int4");
    }

    private void Finish(string name, string onnx, bool tie, string chain)
    {
        var final = onnx;
        if (tie)
        {
            var options = new GraphSurgeriesOptions { Surgeries = [new JsonObject { ["surgeon"] = "TieWordEmbeddings" }] };
            final = Path.GetDirectoryName(PassRunner.Run(new GraphSurgeriesPass(), Path.Combine(onnx, "model.onnx"), options, Path.Combine(Path.GetDirectoryName(onnx)!, "tied")))!;
        }

        var cosine = StepwiseCosine(name, final);
        var (ids, _, vocab) = HfFixtures.Reference(name);
        var tokens = WeightOnlyFixtures.GenAIGreedy(final, ids[..4].Select(i => (int)i).ToArray(), 10, ArgMaxTolerance, vocab);
        log.WriteLine($"{name}: {chain}{(tie ? " → TieWordEmbeddings" : string.Empty)}: cosine {cosine:F6}; GenAI tokens {string.Join(' ', tokens)}");
        Assert.True(cosine >= 0.9, $"cosine {cosine}"); // ModelBuilderQuantizedTests' int4 bound
    }

    /// <summary>
    /// Cosine of the reference logits and the export's, token by token through the KV cache (the recipe's export keeps
    /// ModelBuilder's default prune_lm_head: one position of logits per step).
    /// </summary>
    private static double StepwiseCosine(string name, string folder)
    {
        var (ids, expected, _) = HfFixtures.Reference(name);
        using var session = new DecoderSession(folder);
        var actual = ids.SelectMany(id => session.Step([id])).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        double dot = 0, a = 0, b = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            dot += (double)expected[i] * actual[i];
            a += (double)expected[i] * expected[i];
            b += (double)actual[i] * actual[i];
        }

        return dot / Math.Sqrt(a * b);
    }

    // int4 with accuracy_level 4: GenAI's cached steps and a fresh forward differ by kernel accumulation order on int8
    // activations (ExportGenerateTests' 1e-3 of the logit scale); 1e-2 absolute on these O(1–100) logits is that order.
    private const double ArgMaxTolerance = 1e-2;

    private static string CopyWithConfig(string name, string folder, string key, JsonNode? value)
    {
        foreach (var file in Directory.GetFiles(HfFixtures.Checkpoint(name)))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        var path = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config[key] = value;
        File.WriteAllText(path, config.ToJsonString());
        return folder;
    }

    /// <summary>Binds Olive-named options as a recipe does, validates them and runs the pass on a checkpoint folder.</summary>
    private static string Run(IPass pass, JsonObject values, string input, string output)
    {
        var options = PassOptions.Bind(pass.OptionsType, values, (key, message) => Assert.Fail($"{pass.Metadata.Id}.{key}: {message}"))!;
        Assert.Empty(pass.Validate(options, Target.Cpu));
        Directory.CreateDirectory(output);
        pass.Run(new PassContext(ModelArtifact.Checkpoint(input), output, Target.Cpu, TextWriter.Null, default), options);
        return output;
    }
}
