using System.Text.Json.Nodes;
using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Export;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly;

/// <summary>Gptq's checkpoint contract: the head on the final norm's outputs, refusals that say what to do.</summary>
public sealed class GptqPassTests
{
    [Fact]
    public void Gptq_with_lm_head_unties_and_quantizes_the_head_and_the_export_stays_close()
    {
        using var temp = new TempFolder();
        var output = temp.Sub("gptq");
        GptqPass.Quantize(HfFixtures.Checkpoint("qwen3"), output, new GptqOptions
        {
            Bits = 8, GroupSize = 32, LmHead = true, CalibrationText = WeightOnlyFixtures.CalibrationText, MaxSeqLen = 64, MaxSamples = 8,
        }, TextWriter.Null, default);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))!;
        Assert.False(config["tie_word_embeddings"]!.GetValue<bool>());
        using (var weights = SafeTensorsCheckpoint.Open(output))
        {
            Assert.True(weights.Contains("lm_head.weight_qweight"));
            Assert.True(weights.Contains("model.embed_tokens.weight"));
        }

        var onnx = WeightOnlyFixtures.Export(output, temp.Sub("onnx"));
        Assert.True(ModelBuilderQuantizedTests.Cosine("qwen3", onnx) >= 0.995); // ModelBuilderQuantizedTests' int8 bound
    }

    [Fact]
    public void Gptq_refuses_a_quantized_checkpoint_and_says_to_run_it_before_rtn()
    {
        using var temp = new TempFolder();
        var rtn = WeightOnlyFixtures.Rtn(HfFixtures.Checkpoint("qwen3"), temp.Sub("rtn"), new RtnOptions { GroupSize = 32 });
        var e = Assert.Throws<PlanException>(() => GptqPass.Quantize(rtn, temp.Sub("gptq"), new GptqOptions { GroupSize = 32, CalibrationText = WeightOnlyFixtures.CalibrationText }, TextWriter.Null, default));
        Assert.Contains("run Gptq before Rtn", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_builder_refuses_a_quantization_method_it_does_not_read()
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("gptq-hub");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(HfFixtures.Checkpoint("qwen3")))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!.AsObject();
        config["quantization_config"] = new JsonObject { ["quant_method"] = "bitsandbytes", ["load_in_4bit"] = true };
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
        var e = Assert.Throws<ExportException>(() => WeightOnlyFixtures.Export(folder, temp.Sub("onnx")));
        Assert.Contains("quant_method is 'bitsandbytes'", e.Message, StringComparison.Ordinal);
    }
}
