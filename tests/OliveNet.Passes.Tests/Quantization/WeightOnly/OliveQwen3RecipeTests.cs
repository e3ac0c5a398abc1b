using System.Text.Json.Nodes;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Export;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Export;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly;

/// <summary>
/// The shape of Olive's Qwen3 CPU int4 recipes (olive-recipes Qwen-Qwen3-*/cpu): SelectiveMixedPrecision → Gptq → Rtn
/// (LM head and embeddings at 8 bits) → ModelBuilder, with Olive's option names bound as a recipe binds them, on the
/// Qwen3-architecture fixture (group 32: its hidden size is 64; k_quant_mixed, whose plan the asserts name — kld_gradient
/// runs in KldGradientTests and pipelines/kjv-llama-kld-int4-cpu.yaml).
/// </summary>
public sealed class OliveQwen3RecipeTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static readonly JsonObject Smp = new() { ["algorithm"] = "k_quant_mixed", ["bits"] = 4, ["high_bits"] = 8 };
    private static readonly JsonObject Gptq = new() { ["bits"] = 4, ["sym"] = false, ["group_size"] = 32, ["max_seq_len"] = 64, ["max_samples"] = 16 };
    private static readonly JsonObject Rtn = JsonNode.Parse("""
        {"bits": 8, "sym": false, "group_size": 32, "lm_head": true, "embeds": true,
         "overrides": {"lm_head": {"bits": 8}, "model.embed_tokens": {"bits": 8}}}
        """)!.AsObject();

    [Fact]
    public void The_chain_exports_an_int4_model_that_genai_loads_and_greedy_generates()
    {
        using var temp = new TempFolder();
        var onnx = Chain(temp, "int4");
        var model = OnnxModel.Load(Path.Combine(onnx, "model.onnx"));
        var nbits = model.Proto.Graph.Node.Where(n => n.OpType == "MatMulNBits").ToList();
        Assert.DoesNotContain(model.Proto.Graph.Node, n => n.OpType == "MatMul");
        Assert.Equal(8, nbits.Single(n => n.Name == "/model/lm_head/MatMulNBits").Attribute.Single(a => a.Name == "bits").I);
        Assert.Equal(8, nbits.Single(n => n.Name == "/model/layers.0/attn/qkv_proj/MatMulNBits").Attribute.Single(a => a.Name == "bits").I); // k_quant_mixed: first layer's qkv
        Assert.Equal(4, nbits.Single(n => n.Name == "/model/layers.1/attn/qkv_proj/MatMulNBits").Attribute.Single(a => a.Name == "bits").I);
        var cosine = ModelBuilderQuantizedTests.Cosine("qwen3", onnx);
        var (ids, _, _) = HfFixtures.Reference("qwen3");
        var tokens = WeightOnlyFixtures.GenAIGreedy(onnx, ids[..4].Select(i => (int)i).ToArray(), 10, 1e-2);
        log.WriteLine($"SMP → Gptq → Rtn → ModelBuilder int4: cosine {cosine:F4}; GenAI tokens {string.Join(' ', tokens)}");
        Assert.True(cosine >= 0.9, $"cosine {cosine}");
    }

    [Fact]
    public void The_same_chain_with_a_float16_model_builder_still_quantizes()
    {
        using var temp = new TempFolder();
        var onnx = Chain(temp, "fp16");
        var model = OnnxModel.Load(Path.Combine(onnx, "model.onnx"));
        Assert.DoesNotContain(model.Proto.Graph.Node, n => n.OpType == "MatMul");
        Assert.Equal((3 * 5) + 1, model.Proto.Graph.Node.Count(n => n.OpType == "MatMulNBits"));
        var cosine = ModelBuilderQuantizedTests.Cosine("qwen3", onnx);
        log.WriteLine($"SMP → Gptq → Rtn → ModelBuilder fp16: cosine {cosine:F4}");
        Assert.True(cosine >= 0.9, $"cosine {cosine}");
    }

    private static string Chain(TempFolder temp, string precision)
    {
        var gptq = Gptq.DeepClone().AsObject();
        gptq["calibration_text"] = WeightOnlyFixtures.CalibrationText;
        var smp = Run(new SelectiveMixedPrecisionPass(), Smp, HfFixtures.Checkpoint("qwen3"), temp.Sub("smp"));
        var quantized = Run(new GptqPass(), gptq, smp, temp.Sub("gptq"));
        var finished = Run(new RtnPass(), Rtn, quantized, temp.Sub("rtn"));
        var builder = Run(new ModelBuilderPass(), new JsonObject { ["precision"] = precision, ["prune_lm_head"] = false }, finished, temp.Sub("onnx"));
        return builder;
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
