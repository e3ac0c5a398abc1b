using System.Text.Json.Nodes;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Export;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly;

/// <summary>
/// Gptq and SelectiveMixedPrecision kld_gradient read calibration text from a recipe's data config (Olive's
/// <c>data_config</c>): a local text config binds with its content hash and gives Gptq exactly the samples
/// calibration_text gives; a hub dataset or a non-text config is refused with what to do instead.
/// </summary>
public sealed class CalibrationDataConfigTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly RecipeLoader _loader = new(new PassRegistry([new GptqPass(), new SelectiveMixedPrecisionPass()]));

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_local_text_data_config_calibrates_gptq_exactly_as_the_same_calibration_text_does()
    {
        var recipe = Load($$$"""
            data_configs:
              - name: genesis
                type: HuggingfaceContainer
                load_dataset_config: {type: text_files, params: {data_files: [{{{WeightOnlyFixtures.CalibrationText}}}]}}
                pre_process_data_config: {type: tokenize_text, params: {max_length: 128}}
            passes:
              s: {type: SelectiveMixedPrecision, algorithm: kld_gradient, ratio: 0.65, data_config: genesis, kld_memory_mode: low_memory}
              g: {type: Gptq, config: {bits: 4, group_size: 128, data_config: genesis, max_samples: 4}}
            """);
        var smp = (SelectiveMixedPrecisionOptions)recipe.Passes[0].Alternatives[0].Options;
        var gptq = (GptqOptions)recipe.Passes[1].Alternatives[0].Options;
        Assert.Equal("text_files", smp.DataConfig!["load"]!["type"]!.GetValue<string>());
        Assert.Equal(64, gptq.DataConfig!["content_sha256"]!.GetValue<string>().Length);
        Assert.Empty(new GptqPass().Validate(gptq, Target.Cpu));
        Assert.Empty(new SelectiveMixedPrecisionPass().Validate(smp, Target.Cpu));

        GptqPass.Quantize(KjvPerplexityTests.Checkpoint, _temp.Sub("from-data-config"), gptq, TextWriter.Null, default);
        GptqPass.Quantize(KjvPerplexityTests.Checkpoint, _temp.Sub("from-text"), gptq with { DataConfig = null, CalibrationText = WeightOnlyFixtures.CalibrationText, MaxSeqLen = 128 }, TextWriter.Null, default);
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(_temp.Sub("from-text"), "model.safetensors")),
            File.ReadAllBytes(Path.Combine(_temp.Sub("from-data-config"), "model.safetensors")));
    }

    [Fact]
    public void A_hub_dataset_is_refused_with_the_local_form_to_use_instead()
    {
        var e = Assert.Throws<RecipeException>(() => Load("""
            data_configs:
              - name: wikitext2_train
                type: HuggingfaceContainer
                load_dataset_config: {data_name: wikitext, subset: wikitext-2-raw-v1, split: train}
            passes:
              g: {type: Gptq, data_config: wikitext2_train}
            """));
        Assert.Contains("hub dataset ('wikitext') cannot be loaded", e.Message, StringComparison.Ordinal);
        Assert.Contains("text_files", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gptq_refuses_a_data_config_that_is_not_text()
    {
        var e = Assert.Throws<RecipeException>(() => Load("""
            data_configs:
              - name: tensors
                load_dataset_config: {type: dummy_dataset, params: {input_shapes: [[1, 4]], input_names: [x]}}
            passes:
              g: {type: Gptq, data_config: tensors}
            """));
        Assert.Contains("Gptq calibrates on text, but 'tensors' loads dummy_dataset", e.Message, StringComparison.Ordinal);
    }

    private Recipe Load(string body)
    {
        var path = Path.Combine(_temp.Sub("recipe"), "recipe.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"""
            input_model:
              type: HfModel
              model_path: {KjvPerplexityTests.Checkpoint}
            {body}
            """);
        return _loader.Load(path, null, new Dictionary<string, string?>());
    }
}
