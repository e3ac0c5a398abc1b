using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Passes.Export;
using OliveNet.Passes.Gguf;
using OliveNet.Passes.Quantization.WeightOnly;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// The passes that read the input checkpoint look at its config.json while the recipe is validated: an architecture
/// ModelBuilder does not export (config only) is refused at each such pass's <c>type</c>, before anything runs, while a
/// supported checkpoint validates and passes that do not need the export (Rtn, SMP's weight scores) are not held to it;
/// Whisper validates for ModelBuilder in fp32 and every other checkpoint pass refuses it in one line.
/// </summary>
public sealed class CheckpointArchitectureValidationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private readonly RecipeLoader _loader = new(new PassRegistry(
        [new ModelBuilderPass(), new GptqPass(), new RtnPass(), new SelectiveMixedPrecisionPass(), new GgufExportPass()]));

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void An_unsupported_architecture_is_refused_at_every_pass_that_exports_it_when_the_recipe_is_loaded()
    {
        var mamba = _temp.Sub("mamba");
        File.WriteAllText(Path.Combine(mamba, "config.json"), """{"architectures": ["MambaForCausalLM"], "model_type": "mamba", "hidden_size": 64}""");
        var e = Assert.Throws<RecipeException>(() => Load(mamba, """
            passes:
              s: {type: SelectiveMixedPrecision, algorithm: kld_gradient, ratio: 0.5, calibration_text: in the beginning}
              g: {type: Gptq, calibration_text: in the beginning}
              r: {type: Rtn, bits: 4}
              m: {type: ModelBuilder, precision: int4}
              q: {type: GgufExport, quantization: Q4_0}
            """));
        var lines = e.Message.Split('\n');
        foreach (var step in new[] { "s", "g", "m", "q" })
        {
            Assert.Contains(lines, l => l.Contains($"passes.{step}.type:", StringComparison.Ordinal) && l.Contains("'MambaForCausalLM' is not supported", StringComparison.Ordinal));
        }

        // Rtn rounds weights by name and needs no export, so it is not refused for the architecture.
        Assert.DoesNotContain(lines, l => l.Contains("passes.r.type", StringComparison.Ordinal));
        Assert.Contains("Qwen3ForCausalLM", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Selective_mixed_precision_by_weight_scores_needs_no_export()
    {
        var mamba = _temp.Sub("mamba-base");
        File.WriteAllText(Path.Combine(mamba, "config.json"), """{"architectures": ["MambaForCausalLM"]}""");
        var recipe = Load(mamba, """
            passes:
              s: {type: SelectiveMixedPrecision, algorithm: snr, ratio: 0.5}
            """);
        Assert.Single(recipe.Passes);
    }

    [Fact]
    public void Whisper_validates_for_modelbuilder_and_is_refused_in_one_line_by_every_other_checkpoint_pass_and_in_fp16()
    {
        var checkpoint = HfFixtures.Checkpoint("whisper");
        foreach (var precision in new[] { "fp32", "int8", "int4" })
        {
            Assert.Single(Load(checkpoint, $$"""
                passes:
                  m: {type: ModelBuilder, precision: {{precision}}}
                """).Passes);
        }

        var e = Assert.Throws<RecipeException>(() => Load(checkpoint, """
            passes:
              s: {type: SelectiveMixedPrecision, algorithm: kld_gradient, ratio: 0.5, calibration_text: in the beginning}
              g: {type: Gptq, calibration_text: in the beginning}
              r: {type: Rtn, bits: 4}
              m: {type: ModelBuilder, precision: fp16}
              q: {type: GgufExport, quantization: Q4_0}
            """));
        var lines = e.Message.Split('\n');
        foreach (var (step, text) in new[]
        {
            ("s", "WhisperForConditionalGeneration (Whisper, a speech encoder–decoder) is not supported"),
            ("g", "WhisperForConditionalGeneration (Whisper, a speech encoder–decoder) is not supported"),
            ("r", "WhisperForConditionalGeneration (Whisper, a speech encoder–decoder) is not supported"),
            ("m", "precision 'fp16' is not supported for Whisper"),
            ("q", "GgufExport does not write Whisper"),
        })
        {
            Assert.Single(lines, l => l.Contains($"passes.{step}.type:", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains($"passes.{step}.type:", StringComparison.Ordinal) && l.Contains(text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_supported_checkpoint_validates_through_the_whole_olive_cpu_chain()
    {
        var recipe = Load(HfFixtures.Checkpoint("qwen3"), """
            passes:
              s: {type: SelectiveMixedPrecision, algorithm: kld_gradient, ratio: 0.5, calibration_text: in the beginning}
              g: {type: Gptq, calibration_text: in the beginning}
              r: {type: Rtn, bits: 4}
              m: {type: ModelBuilder, precision: int4}
            """);
        Assert.Equal(4, recipe.Passes.Count);
    }

    [Fact]
    public void A_vision_language_checkpoint_validates_for_modelbuilder_and_is_refused_for_gguf_before_the_run()
    {
        var checkpoint = HfFixtures.Checkpoint("qwen3_vl");
        Assert.Single(Load(checkpoint, """
            passes:
              m: {type: ModelBuilder, precision: int4}
            """).Passes);
        var e = Assert.Throws<RecipeException>(() => Load(checkpoint, """
            passes:
              q: {type: GgufExport, quantization: Q4_0}
            """));
        Assert.Contains("passes.q.type", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not write vision-language checkpoints", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Qwen35_validates_for_modelbuilder_and_is_refused_by_the_checkpoint_quantizers_and_gguf_before_the_run()
    {
        var checkpoint = HfFixtures.Checkpoint("qwen3_5");
        Assert.Single(Load(checkpoint, """
            passes:
              m: {type: ModelBuilder, precision: int4, int4_algo_config: k_quant_linear}
            """).Passes);
        var e = Assert.Throws<RecipeException>(() => Load(checkpoint, """
            passes:
              s: {type: SelectiveMixedPrecision, algorithm: k_quant_mixed, ratio: 0.5}
              g: {type: Gptq, calibration_text: in the beginning}
              r: {type: Rtn, bits: 4}
              q: {type: GgufExport, quantization: Q4_0}
            """));
        var lines = e.Message.Split('\n');
        foreach (var step in new[] { "s", "g", "r", "q" })
        {
            Assert.Contains(lines, l => l.Contains($"passes.{step}.type:", StringComparison.Ordinal) && l.Contains("Qwen3.5, hybrid Gated DeltaNet", StringComparison.Ordinal));
        }
    }

    private Recipe Load(string checkpoint, string body)
    {
        var path = Path.Combine(_temp.Sub("recipe-" + Path.GetFileName(checkpoint)), "recipe.yaml");
        File.WriteAllText(path, $"""
            input_model:
              type: HfModel
              model_path: {checkpoint}
            {body}
            """);
        return _loader.Load(path, null, new Dictionary<string, string?>());
    }
}
