using System.Text.Json.Nodes;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Export;
using OliveNet.Passes.Gguf;
using OliveNet.Passes.Graph.Surgeries;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Runtime;
using OliveNet.Runtime.Generation;
using OliveNet.Passes.Tests.Quantization.WeightOnly;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// Qwen3.5's hybrid text decoder on the <c>qwen3_5</c> fixture (the real checkpoint layout: conditional generation,
/// text_config, model.language_model.* weights, Gated DeltaNet layers around one gated full-attention layer): what
/// the export declares, GenAI's greedy chain against the float64 reference's, the Olive CPU recipe's shape, and the
/// passes that refuse it. Logits (whole sequence, prefill + decode with KV cache and recurrent states, int4/int8) are
/// covered with the other families in ModelBuilderLogitsTests, ModelBuilderQuantizedTests and ExportGenerateTests.
/// </summary>
public sealed class Qwen35Tests(Xunit.Abstractions.ITestOutputHelper log)
{
    private const string Name = "qwen3_5";

    [Fact]
    public void The_config_is_read_from_text_config_with_its_layer_types_rope_and_weight_prefix()
    {
        var config = HfConfig.Load(HfFixtures.Checkpoint(Name));
        Assert.Equal(DecoderFamily.Qwen35, config.Family);
        using (var weights = OliveNet.Passes.Export.SafeTensors.SafeTensorsCheckpoint.Open(HfFixtures.Checkpoint(Name)))
        {
            // Stored as model.language_model.*, read under the plain decoder names.
            Assert.True(weights.Contains("model.embed_tokens.weight"));
            Assert.False(weights.Contains("model.language_model.embed_tokens.weight"));
        }

        Assert.Equal((64, 5, 4, 2, 64, 272), (config.Hidden, config.Layers, config.Heads, config.KvHeads, config.HeadDim, config.Vocab));
        Assert.Equal(1e7, config.RopeTheta);
        Assert.Equal(16, config.RotaryDim);
        Assert.True(config.TieEmbeddings);
        Assert.Equal([true, true, false, true, true], Enumerable.Range(0, 5).Select(config.IsLinearLayer));
    }

    [Fact]
    public void A_flat_causal_lm_config_takes_its_layer_types_from_the_interval_and_rope_from_rope_parameters()
    {
        using var temp = new TempFolder();
        File.WriteAllText(Path.Combine(temp.Path, "config.json"), """
            {"architectures": ["Qwen3_5ForCausalLM"], "model_type": "qwen3_5_text", "hidden_size": 64, "intermediate_size": 128,
             "num_hidden_layers": 8, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 64, "vocab_size": 272,
             "full_attention_interval": 4, "rope_parameters": {"rope_type": "default", "rope_theta": 5000000.0, "mrope_section": [4, 2, 2]}}
            """);
        var config = HfConfig.Load(temp.Path);
        Assert.Equal(5e6, config.RopeTheta);
        Assert.Equal(16, config.RotaryDim); // partial_rotary_factor defaults to 0.25
        Assert.Equal([3, 7], Enumerable.Range(0, 8).Where(l => !config.IsLinearLayer(l)));

        File.WriteAllText(Path.Combine(temp.Path, "config.json"), """
            {"architectures": ["Qwen3_5ForCausalLM"], "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 4, "vocab_size": 272, "layer_types": ["linear_attention", "sliding_attention"]}
            """);
        var e = Assert.Throws<ExportException>(() => HfConfig.Load(temp.Path));
        Assert.Contains("layer_types must list 2 entries", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Linear_layers_carry_conv_and_recurrent_states_and_only_the_full_layer_a_kv_cache()
    {
        using var temp = new TempFolder();
        var folder = ModelBuilderLogitsTests.Export(Name, "fp32", temp.Path);
        using var session = new InferenceSession(Path.Combine(folder, "model.onnx"));
        var inputs = session.Inputs.ToDictionary(i => i.Name);
        Assert.Equal(["past_key_values.2.key", "past_key_values.2.value"], inputs.Keys.Where(k => k.EndsWith(".key", StringComparison.Ordinal) || k.EndsWith(".value", StringComparison.Ordinal)));
        foreach (var layer in new[] { 0, 1, 3, 4 })
        {
            // conv channels = 2 · 2 key heads · 16 + 4 value heads · 8 = 96, kernel 4 → 3 carried inputs.
            Assert.Equal([-1L, 96, 3], inputs[$"past_key_values.{layer}.conv_state"].Shape);
            Assert.Equal([-1L, 4, 16, 8], inputs[$"past_key_values.{layer}.recurrent_state"].Shape);
            Assert.Contains(session.Outputs, o => o.Name == $"present.{layer}.recurrent_state");
        }

        var graph = OnnxModel.Load(Path.Combine(folder, "model.onnx")).Proto.Graph;
        Assert.Equal(4, graph.Node.Count(n => n.OpType == "LinearAttention" && n.Domain == "com.microsoft"));
        Assert.Equal(4, graph.Node.Count(n => n.OpType == "CausalConvWithState" && n.Domain == "com.microsoft"));
        Assert.Single(graph.Node, n => n.OpType == "GroupQueryAttention");
        Assert.DoesNotContain(graph.Initializer, t => t.Name.Contains("visual", StringComparison.Ordinal));

        var genai = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "genai_config.json")))!["model"]!;
        Assert.Equal("qwen3_5_text", genai["type"]!.GetValue<string>());
        Assert.Equal(5, genai["decoder"]!["num_hidden_layers"]!.GetValue<int>());
        Assert.Equal(256, genai["context_length"]!.GetValue<int>());
        Assert.Equal("past_key_values.%d.key", genai["decoder"]!["inputs"]!["past_key_names"]!.GetValue<string>());
    }

    /// <summary>
    /// GenAI binds the states by name (past_key_values.%d.conv_state/recurrent_state beside the sparse KV cache) and
    /// carries them across steps: its greedy chain must be the float64 reference's (fresh full forwards in PyTorch).
    /// fp32 export error is ≤ 1e-4 of the logit scale (ModelBuilderLogitsTests; measured ~4e-6), and every reference step's
    /// gap between its two best logits is checked to exceed that, so the chains must agree token for token.
    /// </summary>
    [Theory]
    [InlineData(Name, true)]
    [InlineData(Name, false)]
    [InlineData("qwen3_5_wide", true)]
    public void GenAI_greedy_generation_equals_the_reference_chain(string name, bool prune)
    {
        using var temp = new TempFolder();
        var folder = ModelBuilderLogitsTests.Export(name, "fp32", temp.Path, prune: prune);
        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(HfFixtures.Checkpoint(name), "reference.json")))!["greedy"]!;
        var prompt = reference["prompt"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        var expected = reference["tokens"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        var scale = HfFixtures.Reference(name).Logits.Max(Math.Abs);
        Assert.All(reference["gaps"]!.AsArray(), gap => Assert.True(gap!.GetValue<double>() > 1e-4 * scale, $"reference gap {gap} is within export error"));
        using var genai = GenAILanguageModel.Load(folder);
        var options = new GenerationOptions { MaxNewTokens = expected.Length, IgnoreEndOfSequence = true, DoSample = false, RepetitionPenalty = Penalty };
        var tokens = genai.Generate(prompt, options).Tokens.ToArray();
        log.WriteLine($"{name}: GenAI {string.Join(' ', tokens)}; reference {string.Join(' ', expected)}");
        Assert.Equal(expected, tokens);
    }

    [Fact]
    public void Perplexity_forward_starts_the_recurrent_states_at_zero()
    {
        using var temp = new TempFolder();
        var folder = ModelBuilderLogitsTests.Export(Name, "fp32", temp.Path);
        using var model = LanguageModel.Load(folder);
        var (ids, expected, _) = HfFixtures.Reference(Name);
        var actual = model.ForwardAll(ids.Select(i => (int)i).ToArray());
        var scale = expected.Max(Math.Abs);
        Assert.True(ModelRunner.MaxAbsDiff(expected, actual) <= 1e-4 * scale);
    }

    /// <summary>
    /// Olive's Qwen3.5 CPU text recipe (olive-recipes Qwen-Qwen3.5-*/builtin/cpu_and_mobile/text.json), written here:
    /// ModelBuilder int4, accuracy level 4, k_quant_linear, extra_options filename and prune_lm_head, then GraphSurgeries
    /// TieWordEmbeddings. The result runs in GenAI and stays close to the reference.
    /// </summary>
    [Fact]
    public void The_olive_cpu_text_recipe_shape_runs_and_generates()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "text.json");
        File.WriteAllText(path, new JsonObject
        {
            ["input_model"] = new JsonObject { ["type"] = "HfModel", ["model_path"] = HfFixtures.Checkpoint(Name) },
            ["passes"] = new JsonObject
            {
                ["m"] = JsonNode.Parse("""
                    {"type": "ModelBuilder", "precision": "int4", "int4_accuracy_level": 4, "int4_algo_config": "k_quant_linear",
                     "extra_options": {"filename": "text.onnx", "prune_lm_head": true}}
                    """),
                ["t"] = JsonNode.Parse("""{"type": "GraphSurgeries", "surgeries": [{"surgeon": "TieWordEmbeddings"}]}"""),
            },
            ["no_artifacts"] = true,
            ["output_dir"] = Path.Combine(temp.Path, "out"),
        }.ToJsonString());
        var recipe = new OliveNet.Engine.Recipes.RecipeLoader(new PassRegistry([new ModelBuilderPass(), new GraphSurgeriesPass()])).Load(path);
        var (builder, surgeries) = (recipe.Passes[0].Alternatives[0], recipe.Passes[1].Alternatives[0]);
        Assert.True(((ModelBuilderOptions)builder.Options).PruneLmHead);
        Assert.Empty(builder.Pass.Validate(builder.Options, Target.Cpu));
        var exported = temp.Sub("m");
        builder.Pass.Run(new PassContext(OliveNet.Engine.Artifacts.ModelArtifact.Checkpoint(HfFixtures.Checkpoint(Name)), exported, Target.Cpu, TextWriter.Null, default), builder.Options);
        var tied = Path.GetDirectoryName(PassRunner.Run(new GraphSurgeriesPass(), Path.Combine(exported, "model.onnx"), (GraphSurgeriesOptions)surgeries.Options, temp.Sub("t")))!;

        var graph = OnnxModel.Load(Path.Combine(tied, "model.onnx")).Proto.Graph;
        Assert.DoesNotContain(graph.Node, n => n.OpType == "MatMul");
        Assert.Contains(graph.Node, n => n.OpType == "MatMulNBits" && n.Name == "/model/layers.0/linear_attn/in_proj/MatMulNBits");
        Assert.Equal(8, graph.Node.Single(n => n.Name == "/model/lm_head/MatMulNBits").Attribute.Single(a => a.Name == "bits").I); // k_quant_linear: int8 head

        // The full-logits variant (what perplexity runs) against the reference, with ModelBuilderQuantizedTests' int4 bound
        // for this fixture (the float64 reference with RTN int4 weights: cosine 0.81).
        var full = OliveNet.Engine.Evaluation.FullLogitsGraph.Of(tied);
        Assert.NotNull(full);
        using var model = LanguageModel.Load(tied, 0, full);
        var (ids, reference, vocab) = HfFixtures.Reference(Name);
        var logits = model.ForwardAll(ids.Select(i => (int)i).ToArray());
        var cosine = Cosine(reference, logits);
        Assert.True(cosine >= 0.75, $"cosine {cosine:F4} to the reference logits");

        // GenAI's greedy chain on the recipe's output: each token the argmax of a fresh full forward, up to int4 kernel
        // rounding (1e-3 of the logit scale, see ExportGenerateTests).
        var prompt = ids[..4].Select(i => (int)i).ToArray();
        using var genai = GenAILanguageModel.Load(tied);
        var tokens = genai.Generate(prompt, new GenerationOptions { MaxNewTokens = 10, IgnoreEndOfSequence = true, DoSample = false, RepetitionPenalty = Penalty }).Tokens.ToList();
        Assert.Equal(10, tokens.Count);
        for (var t = 0; t < tokens.Count; t++)
        {
            var sequence = prompt.Concat(tokens.Take(t)).ToArray();
            var step = model.ForwardAll(sequence);
            var last = step.AsSpan((sequence.Length - 1) * vocab, vocab).ToArray();
            foreach (var id in sequence.Distinct())
            {
                last[id] = last[id] > 0 ? last[id] / Penalty : last[id] * Penalty;
            }

            var best = Array.IndexOf(last, last.Max());
            Assert.True(best == tokens[t] || last[best] - last[tokens[t]] <= 1e-3 * step.Max(Math.Abs), $"step {t}: GenAI chose {tokens[t]}, the full forward {best}");
        }

        log.WriteLine($"ModelBuilder int4 k_quant_linear → TieWordEmbeddings: cosine {cosine:F4} to the reference; GenAI tokens {string.Join(' ', tokens)}");
    }

    private const float Penalty = 1000f;

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            (dot, aa, bb) = (dot + ((double)a[i] * b[i]), aa + ((double)a[i] * a[i]), bb + ((double)b[i] * b[i]));
        }

        return dot / Math.Sqrt(aa * bb);
    }

    [Fact]
    public void Float16_is_refused_with_one_line_naming_the_cpu_kernels()
    {
        using var temp = new TempFolder();
        var e = Assert.Throws<ExportException>(() => ModelBuilderLogitsTests.Export(Name, "fp16", temp.Path));
        Assert.Contains("float32 only", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Gptq_selective_mixed_precision_rtn_and_gguf_refuse_it_with_one_line_each()
    {
        using var temp = new TempFolder();
        var source = HfFixtures.Checkpoint(Name);
        var gptq = Assert.Throws<PlanException>(() => GptqPass.Quantize(source, temp.Sub("gptq"), new GptqOptions { CalibrationText = WeightOnlyFixtures.CalibrationText }, TextWriter.Null, default));
        var gguf = Assert.Throws<ExportException>(() => GgufExporter.Export(source, Path.Combine(temp.Path, "m.gguf"), "Q4_0", TextWriter.Null, default));
        var smp = Assert.Throws<PlanException>(() => SelectiveMixedPrecisionPass.Annotate(source, temp.Sub("smp"), new SelectiveMixedPrecisionOptions { Algorithm = "k_quant_mixed" }, TextWriter.Null));
        var rtn = Assert.Throws<PlanException>(() => RtnPass.Quantize(source, temp.Sub("rtn"), new RtnOptions { Bits = 4, GroupSize = 32 }, TextWriter.Null));
        foreach (var e in new Exception[] { gptq, gguf, smp, rtn })
        {
            Assert.Contains("Qwen3_5ForConditionalGeneration", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', e.Message);
        }

        Assert.Contains("drop Gptq", gptq.Message, StringComparison.Ordinal);
        Assert.Contains("drop SelectiveMixedPrecision", smp.Message, StringComparison.Ordinal);
        Assert.Contains("drop Rtn", rtn.Message, StringComparison.Ordinal);
        Assert.Contains("use ModelBuilder", gguf.Message, StringComparison.Ordinal);
    }
}

