using System.Text.Json.Nodes;
using OliveNet.Onnx;
using OliveNet.Passes.Export.SafeTensors;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Export;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly;

/// <summary>Rtn on a checkpoint, and ModelBuilder packing its blocks into MatMulNBits unchanged.</summary>
public sealed class RtnPassTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [Fact]
    public void Rtn_writes_olive_layout_tensors_and_a_quantization_config()
    {
        using var temp = new TempFolder();
        var output = WeightOnlyFixtures.Rtn(HfFixtures.Checkpoint("qwen3"), temp.Sub("rtn"), new RtnOptions { Bits = 4, GroupSize = 16 });
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))!["quantization_config"]!;
        Assert.Equal("olive", config["quant_method"]!.GetValue<string>());
        Assert.Equal(4, config["bits"]!.GetValue<int>());
        Assert.Equal(16, config["group_size"]!.GetValue<int>());
        Assert.False(config["symmetric"]!.GetValue<bool>());
        using var weights = SafeTensorsCheckpoint.Open(output);
        const string Down = "model.layers.1.mlp.down_proj"; // [64, 192] in bf16
        Assert.False(weights.Contains(Down + ".weight"));
        Assert.Equal([64L, 96], weights.Info(Down + ".weight_qweight").Shape);
        Assert.Equal("U8", weights.Info(Down + ".weight_qweight").DType);
        Assert.Equal([64L, 12], weights.Info(Down + ".weight_scales").Shape);
        Assert.Equal("BF16", weights.Info(Down + ".weight_scales").DType);
        Assert.Equal([64L, 6], weights.Info(Down + ".weight_qzeros").Shape);
        Assert.True(weights.Contains("model.embed_tokens.weight")); // embeds and the tied head stay float by default
        Assert.True(File.Exists(Path.Combine(output, "tokenizer.json")));
    }

    [Fact]
    public void Model_builder_packs_the_checkpoint_blocks_into_matmulnbits_byte_for_byte_and_the_logits_stay_close()
    {
        using var temp = new TempFolder();
        var rtn = WeightOnlyFixtures.Rtn(HfFixtures.Checkpoint("qwen3"), temp.Sub("rtn"), new RtnOptions { Bits = 4, GroupSize = 16 });
        var onnx = WeightOnlyFixtures.Export(rtn, temp.Sub("onnx"));
        var model = OnnxModel.Load(Path.Combine(onnx, "model.onnx"));
        var node = model.Proto.Graph.Node.Single(n => n.Name == "/model/layers.1/attn/o_proj/MatMulNBits");
        Assert.Equal(16, node.Attribute.Single(a => a.Name == "block_size").I); // the checkpoint's group, not ModelBuilder's block 32
        var packed = model.Proto.Graph.Initializer.Single(t => t.Name == node.Input[1]);
        using var weights = SafeTensorsCheckpoint.Open(rtn);
        Assert.Equal(weights.ReadBytes("model.layers.1.self_attn.o_proj.weight_qweight"), TensorData.ReadRawBytes(packed, model.BaseDirectory));
        var cosine = ModelBuilderQuantizedTests.Cosine("qwen3", onnx);
        log.WriteLine($"qwen3 Rtn 4-bit g16 asym → ModelBuilder: cosine to the reference logits {cosine:F5}");
        Assert.True(cosine >= 0.9, $"cosine {cosine}"); // the bound of ModelBuilderQuantizedTests' int4 RTN
    }

    [Fact]
    public void The_quantized_export_loads_in_genai_and_greedy_generates()
    {
        using var temp = new TempFolder();
        var rtn = WeightOnlyFixtures.Rtn(HfFixtures.Checkpoint("qwen3"), temp.Sub("rtn"), new RtnOptions { Bits = 4, GroupSize = 32, Sym = true, LmHead = true });
        var onnx = WeightOnlyFixtures.Export(rtn, temp.Sub("onnx"));
        var (ids, _, _) = HfFixtures.Reference("qwen3");
        var scale = ModelBuilderQuantizedTests.Cosine("qwen3", onnx); // also runs the model through plain ORT
        // int4 with accuracy_level 4: the GenAI step and the full forward differ by accumulation order only (see
        // ExportGenerateTests.Int4Tolerance): ties within 1e-3 of the logit scale (logits here are O(1)) may differ.
        var tokens = WeightOnlyFixtures.GenAIGreedy(onnx, ids[..4].Select(i => (int)i).ToArray(), 10, 1e-2);
        log.WriteLine($"cosine {scale:F4}; GenAI tokens {string.Join(' ', tokens)}");
    }

    [Fact]
    public void A_float16_export_of_a_quantized_checkpoint_still_uses_its_blocks()
    {
        using var temp = new TempFolder();
        var rtn = WeightOnlyFixtures.Rtn(HfFixtures.Checkpoint("qwen3"), temp.Sub("rtn"), new RtnOptions { Bits = 4, GroupSize = 32, LmHead = true });
        var onnx = WeightOnlyFixtures.Export(rtn, temp.Sub("onnx"), "fp16");
        var model = OnnxModel.Load(Path.Combine(onnx, "model.onnx"));
        Assert.DoesNotContain(model.Proto.Graph.Node, n => n.OpType == "MatMul");
        Assert.Equal((3 * 5) + 1, model.Proto.Graph.Node.Count(n => n.OpType == "MatMulNBits")); // qkv, o, gate, up, down per layer, and the head
        var cosine = ModelBuilderQuantizedTests.Cosine("qwen3", onnx);
        log.WriteLine($"qwen3 Rtn 4-bit g32 → ModelBuilder fp16: cosine {cosine:F5}");
        Assert.True(cosine >= 0.9, $"cosine {cosine}");
    }

    [Fact]
    public void The_same_checkpoint_and_options_give_byte_identical_files()
    {
        using var temp = new TempFolder();
        var options = new RtnOptions { Bits = 8, GroupSize = 32, Embeds = true, LmHead = true };
        WeightOnlyFixtures.Rtn(HfFixtures.Checkpoint("gemma3"), temp.Sub("a"), options);
        WeightOnlyFixtures.Rtn(HfFixtures.Checkpoint("gemma3"), temp.Sub("b"), options);
        PassRunner.AssertSameFiles(Path.Combine(temp.Path, "a"), Path.Combine(temp.Path, "b"));
    }

    [Fact]
    public void A_group_size_that_does_not_divide_a_weight_is_one_clear_error()
    {
        using var temp = new TempFolder();
        var e = Assert.Throws<PlanException>(() => WeightOnlyFixtures.Rtn(HfFixtures.Checkpoint("qwen3"), temp.Sub("rtn"), new RtnOptions { GroupSize = 128 }));
        Assert.Contains("not a whole number of groups of 128", e.Message, StringComparison.Ordinal);
    }
}
