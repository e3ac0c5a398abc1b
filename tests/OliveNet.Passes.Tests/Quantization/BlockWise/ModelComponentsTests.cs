using System.Text.Json.Nodes;
using OliveNet.Engine.Artifacts;
using OliveNet.Onnx;
using OliveNet.Passes.Quantization.BlockWise;
using OliveNet.Passes.Tests.Graph.Surgeries;

namespace OliveNet.Passes.Tests.Quantization.BlockWise;

/// <summary>
/// A GenAI folder of several ONNX components (a Whisper export: decoder <c>model.onnx</c> + <c>encoder.onnx</c>, both named
/// in genai_config.json): the block-wise weight quantizations rewrite every component, and the input's id covers them all.
/// The second component here is a copy of the Qwen3 fixture's decoder, so both must come out identical.
/// </summary>
public sealed class ModelComponentsTests
{
    [Fact]
    public void Block_wise_quantization_rewrites_every_component_genai_config_names()
    {
        using var temp = new TempFolder();
        var model = TwoComponents(temp.Sub("fp32"));
        var folder = Path.GetDirectoryName(model)!;
        Assert.Equal(["encoder.onnx"], ModelComponents.Others(model));

        foreach (var (name, run) in new (string, Func<string, string>)[]
                 {
                     ("kquant", o => PassRunner.Run(new OnnxKQuantQuantizationPass(), model, new OnnxKQuantQuantizationOptions { Bits = 8 }, o)),
                     ("rtn", o => PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), model, new OnnxBlockWiseRtnQuantizationOptions { Bits = 4, BlockSize = 32 }, o)),
                     ("hqq", o => PassRunner.Run(new OnnxHqqQuantizationPass(), model, new OnnxHqqQuantizationOptions { BlockSize = 32 }, o)),
                 })
        {
            var quantized = run(temp.Sub(name));
            var output = Path.GetDirectoryName(quantized)!;
            var encoder = Path.Combine(output, "encoder.onnx");
            Assert.True(File.Exists(encoder), $"{name}: encoder.onnx was not written");
            Assert.True(File.Exists(Path.Combine(output, ModelComponents.GenAiConfigFileName)), $"{name}: genai_config.json was not carried");
            var matMuls = SurgeryModels.Count(Path.Combine(folder, "encoder.onnx"), "MatMul");
            Assert.Equal(matMuls, SurgeryModels.Count(encoder, "MatMulNBits") + SurgeryModels.Count(encoder, "MatMul"));
            Assert.True(SurgeryModels.Count(encoder, "MatMulNBits") > 0, $"{name}: the encoder kept its float MatMuls");

            // The same weights through the same quantizer: the copy computes exactly what model.onnx computes.
            Assert.Equal(SurgeryModels.ExactLogits(quantized), SurgeryModels.ExactLogits(encoder));
            Assert.Equal(ModelComponents.Others(quantized), ["encoder.onnx"]);
        }
    }

    [Fact]
    public void The_input_id_covers_the_other_components()
    {
        using var temp = new TempFolder();
        var model = TwoComponents(temp.Sub("fp32"));
        var before = ArtifactHasher.HashModel(model);
        var encoder = Path.Combine(Path.GetDirectoryName(model)!, "encoder.onnx");
        var edited = OnnxModel.Load(encoder);
        edited.Proto.ProducerVersion += "+edited";
        var elsewhere = temp.Sub("edited");
        edited.Save(Path.Combine(elsewhere, "encoder.onnx"), new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal });
        File.Copy(Path.Combine(elsewhere, "encoder.onnx"), encoder, overwrite: true);
        Assert.NotEqual(before, ArtifactHasher.HashModel(model));
    }

    /// <summary>The Qwen3 fixture's fp32 export plus a copy of its decoder saved as <c>encoder.onnx</c> and named in genai_config.json.</summary>
    private static string TwoComponents(string folder)
    {
        var model = SurgeryModels.Qwen3(folder, "fp32");
        OnnxModel.Load(model).Save(Path.Combine(folder, "encoder.onnx"), new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal });
        var configPath = Path.Combine(folder, ModelComponents.GenAiConfigFileName);
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["model"]!["encoder"] = new JsonObject { ["filename"] = "encoder.onnx" };
        File.WriteAllText(configPath, config.ToJsonString());
        return model;
    }
}
