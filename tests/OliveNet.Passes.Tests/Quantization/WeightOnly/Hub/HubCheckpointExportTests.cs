using OliveNet.Onnx;
using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Export;
using Layout = OliveNet.Passes.Tests.Quantization.WeightOnly.Hub.HubCheckpointFixtures.Layout;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly.Hub;

/// <summary>ModelBuilder on GPTQ and AWQ checkpoints in the Hub layouts (written by <see cref="HubCheckpointFixtures"/>).</summary>
public sealed class HubCheckpointExportTests(Xunit.Abstractions.ITestOutputHelper log)
{
    // Both models compute in float32 (accuracy_level 0: MatMulNBits dequantizes (q − zero)·scale in float32, the value the
    // reference checkpoint holds exactly), so they differ by summation order only: a few float32 ulps per dot product of
    // K ≤ 192 terms, grown by the layers to well under 1e-4 of the logit scale. A wrong code, zero point or scale moves a
    // weight by a whole quantization step (≥ 1/15 of its group's range) and the logits by orders of magnitude more.
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData("Gptq", 4, 16, false)]
    [InlineData("Gptq", 4, 32, true)]
    [InlineData("GptqV2", 8, 32, false)]
    [InlineData("Gptq", 2, 16, false)]
    [InlineData("Awq", 4, 32, false)]
    [InlineData("GptqV2", 4, -1, false)]
    public void The_export_computes_the_logits_of_the_dequantized_weights(string layoutName, int bits, int group, bool sym)
    {
        var layout = Enum.Parse<Layout>(layoutName);
        using var temp = new TempFolder();
        var (hub, reference) = Checkpoints(temp, layout, new RtnOptions { Bits = bits, GroupSize = group, Sym = sym, LmHead = true });
        var quantized = WeightOnlyFixtures.Export(hub, temp.Sub("hub-onnx"), "int4", accuracyLevel: 0);
        var plain = WeightOnlyFixtures.Export(reference, temp.Sub("float-onnx"), "fp32", accuracyLevel: 0);
        var model = OnnxModel.Load(Path.Combine(quantized, "model.onnx"));
        Assert.DoesNotContain(model.Proto.Graph.Node, n => n.OpType == "MatMul");
        Assert.All(model.Proto.Graph.Node.Where(n => n.OpType == "MatMulNBits"), n => Assert.Equal(bits, n.Attribute.Single(a => a.Name == "bits").I));
        Assert.Equal(!sym, model.Proto.Graph.Node.Where(n => n.OpType == "MatMulNBits").All(n => n.Input.Count > 3));
        var (ids, _, _) = HfFixtures.Reference("qwen3");
        using var a = new DecoderSession(quantized);
        using var b = new DecoderSession(plain);
        var actual = a.Step(ids);
        var expected = b.Step(ids);
        var scale = expected.Max(MathF.Abs);
        var diff = actual.Zip(expected, (x, y) => Math.Abs(x - y)).Max();
        log.WriteLine($"{layout} {bits}-bit g{group} {(sym ? "sym" : "asym")}: max |Δlogit| {diff:E2} of max |logit| {scale:F3}");
        Assert.True(diff <= Tolerance * scale, $"max |Δlogit| {diff} > {Tolerance} × {scale}");
    }

    [Fact]
    public void Gptq_dynamic_per_module_settings_give_those_modules_their_bits_and_group_size()
    {
        using var temp = new TempFolder();
        var overrides = new Dictionary<string, QuantOverride>
        {
            ["model.layers.0.mlp.down_proj"] = new() { Bits = 8, GroupSize = 32 },
            ["model.layers.1.self_attn.o_proj"] = new() { GroupSize = 32 },
        };
        var (hub, reference) = Checkpoints(temp, Layout.GptqV2, new RtnOptions { Bits = 4, GroupSize = 16, Overrides = overrides, LmHead = true });
        var quantized = WeightOnlyFixtures.Export(hub, temp.Sub("hub-onnx"), "int4", accuracyLevel: 0);
        var plain = WeightOnlyFixtures.Export(reference, temp.Sub("float-onnx"), "fp32", accuracyLevel: 0);
        var nodes = OnnxModel.Load(Path.Combine(quantized, "model.onnx")).Proto.Graph.Node.Where(n => n.OpType == "MatMulNBits").ToDictionary(n => n.Name, StringComparer.Ordinal);
        long Attribute(string node, string name) => nodes[node].Attribute.Single(a => a.Name == name).I;
        Assert.Equal((8L, 32L), (Attribute("/model/layers.0/mlp/down_proj/MatMulNBits", "bits"), Attribute("/model/layers.0/mlp/down_proj/MatMulNBits", "block_size")));
        Assert.Equal((4L, 32L), (Attribute("/model/layers.1/attn/o_proj/MatMulNBits", "bits"), Attribute("/model/layers.1/attn/o_proj/MatMulNBits", "block_size")));
        Assert.Equal((4L, 16L), (Attribute("/model/layers.1/mlp/down_proj/MatMulNBits", "bits"), Attribute("/model/layers.1/mlp/down_proj/MatMulNBits", "block_size")));
        var (ids, _, _) = HfFixtures.Reference("qwen3");
        using var a = new DecoderSession(quantized);
        using var b = new DecoderSession(plain);
        var expected = b.Step(ids);
        var diff = a.Step(ids).Zip(expected, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(diff <= Tolerance * expected.Max(MathF.Abs), $"max |Δlogit| {diff}");
    }

    [Fact]
    public void Gptq_codes_are_packed_into_matmulnbits_as_the_rtn_blocks_they_came_from()
    {
        using var temp = new TempFolder();
        var rtn = WeightOnlyFixtures.Rtn(HfFixtures.Checkpoint("qwen3"), temp.Sub("rtn"), new RtnOptions { Bits = 4, GroupSize = 32 });
        HubCheckpointFixtures.Write(rtn, Layout.Gptq, temp.Sub("gptq"), temp.Sub("float"));
        var fromRtn = OnnxModel.Load(Path.Combine(WeightOnlyFixtures.Export(rtn, temp.Sub("rtn-onnx")), "model.onnx"));
        var fromGptq = OnnxModel.Load(Path.Combine(WeightOnlyFixtures.Export(Path.Combine(temp.Path, "gptq"), temp.Sub("gptq-onnx")), "model.onnx"));
        const string Name = "model.layers.1.mlp.down_proj.weight.MatMulNBits.";
        foreach (var suffix in new[] { "qweight", "qzeros" })
        {
            Assert.Equal(
                TensorData.ReadRawBytes(fromRtn.Proto.Graph.Initializer.Single(t => t.Name == Name + suffix), fromRtn.BaseDirectory),
                TensorData.ReadRawBytes(fromGptq.Proto.Graph.Initializer.Single(t => t.Name == Name + suffix), fromGptq.BaseDirectory));
        }
    }

    [Fact]
    public void The_gptq_export_loads_in_genai_and_greedy_generates()
    {
        using var temp = new TempFolder();
        var (hub, _) = Checkpoints(temp, Layout.Gptq, new RtnOptions { Bits = 4, GroupSize = 32, Sym = true, LmHead = true });
        var onnx = WeightOnlyFixtures.Export(hub, temp.Sub("onnx"));
        var (ids, _, _) = HfFixtures.Reference("qwen3");
        var tokens = WeightOnlyFixtures.GenAIGreedy(onnx, ids[..4].Select(i => (int)i).ToArray(), 10, 1e-2); // the tolerance of RtnPassTests' GenAI test
        log.WriteLine($"GenAI tokens {string.Join(' ', tokens)}");
    }

    [Fact]
    public void The_awq_export_loads_in_genai_and_greedy_generates()
    {
        using var temp = new TempFolder();
        var (hub, _) = Checkpoints(temp, Layout.Awq, new RtnOptions { Bits = 4, GroupSize = 32, LmHead = true });
        var onnx = WeightOnlyFixtures.Export(hub, temp.Sub("onnx"));
        var (ids, _, _) = HfFixtures.Reference("qwen3");
        var tokens = WeightOnlyFixtures.GenAIGreedy(onnx, ids[..4].Select(i => (int)i).ToArray(), 10, 1e-2);
        log.WriteLine($"GenAI tokens {string.Join(' ', tokens)}");
    }

    [Fact]
    public void The_model_builder_pass_exports_a_hub_checkpoint_byte_identically_and_fails_a_broken_one_naming_the_tensor()
    {
        using var temp = new TempFolder();
        var (hub, _) = Checkpoints(temp, Layout.Awq, new RtnOptions { Bits = 4, GroupSize = 32 });
        var pass = new ModelBuilderPass();
        void Run(string output) => pass.Run(
            new Engine.Passes.PassContext(Engine.Artifacts.ModelArtifact.Checkpoint(hub), output, Engine.Passes.Target.Cpu, TextWriter.Null, default), new ModelBuilderOptions());
        Run(temp.Sub("a"));
        Run(temp.Sub("b"));
        PassRunner.AssertSameFiles(Path.Combine(temp.Path, "a"), Path.Combine(temp.Path, "b"));
        const string Zeros = "model.layers.0.mlp.up_proj.qzeros"; // [64/32 groups, 192/8]
        HubCheckpointFixtures.Replace(hub, Zeros, new SafeTensorsWriter.Entry(Zeros, "I32", [1, 24]), new byte[24 * 4]);
        var e = Assert.Throws<Engine.Passes.PassFailedException>(() => Run(temp.Sub("c")));
        Assert.Contains($"tensor '{Zeros}' is I32 [1, 24]; the qweight and quantization_config imply I32 [2, 24]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_qzeros_is_an_error_naming_the_tensor()
    {
        using var temp = new TempFolder();
        const string Missing = "model.layers.0.self_attn.k_proj.qzeros";
        var (hub, _) = Checkpoints(temp, Layout.Gptq, new RtnOptions { Bits = 4, GroupSize = 32 }, n => n == Missing ? null : n);
        var e = Assert.Throws<ExportException>(() => WeightOnlyFixtures.Export(hub, temp.Sub("onnx")));
        Assert.Contains($"tensor '{Missing}' is missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scales_of_the_wrong_shape_are_an_error_naming_the_tensor()
    {
        using var temp = new TempFolder();
        var (hub, _) = Checkpoints(temp, Layout.Awq, new RtnOptions { Bits = 4, GroupSize = 32 });
        const string Scales = "model.layers.1.mlp.up_proj.scales"; // [64/32 groups, 192]
        HubCheckpointFixtures.Replace(hub, Scales, new SafeTensorsWriter.Entry(Scales, "F16", [192, 2]), new byte[192 * 2 * 2]);
        var e = Assert.Throws<ExportException>(() => WeightOnlyFixtures.Export(hub, temp.Sub("onnx")));
        Assert.Contains($"tensor '{Scales}' is F16 [192, 2]", e.Message, StringComparison.Ordinal);
        Assert.Contains("F16/BF16/F32 [2, 192]", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void An_act_order_checkpoint_gathers_its_inputs_in_group_order_and_computes_the_same_logits(int bits)
    {
        using var temp = new TempFolder();
        var (hub, reference) = Checkpoints(temp, Layout.Gptq, new RtnOptions { Bits = bits, GroupSize = 16, LmHead = true }, actOrder: true);
        var quantized = WeightOnlyFixtures.Export(hub, temp.Sub("hub-onnx"), "int4", accuracyLevel: 0);
        var plain = WeightOnlyFixtures.Export(reference, temp.Sub("float-onnx"), "fp32", accuracyLevel: 0);
        var graph = OnnxModel.Load(Path.Combine(quantized, "model.onnx")).Proto.Graph;
        Assert.Equal(3 + (3 * 4) + 1, graph.Node.Count(n => n.Name.EndsWith("/ActOrder/Gather", StringComparison.Ordinal))); // qkv, o, gate, up, down per layer and the head
        var (ids, _, _) = HfFixtures.Reference("qwen3");
        using var a = new DecoderSession(quantized);
        using var b = new DecoderSession(plain);
        var actual = a.Step(ids);
        var expected = b.Step(ids);
        var scale = expected.Max(MathF.Abs);
        var diff = actual.Zip(expected, (x, y) => Math.Abs(x - y)).Max();
        log.WriteLine($"act-order GPTQ {bits}-bit g16: max |Δlogit| {diff:E2} of max |logit| {scale:F3}");
        Assert.True(diff <= Tolerance * scale, $"max |Δlogit| {diff} > {Tolerance} × {scale}");
    }

    [Fact]
    public void The_act_order_export_loads_in_genai_and_greedy_generates()
    {
        using var temp = new TempFolder();
        var (hub, _) = Checkpoints(temp, Layout.Gptq, new RtnOptions { Bits = 4, GroupSize = 32, LmHead = true }, actOrder: true);
        var onnx = WeightOnlyFixtures.Export(hub, temp.Sub("onnx"));
        var (ids, _, _) = HfFixtures.Reference("qwen3");
        var tokens = WeightOnlyFixtures.GenAIGreedy(onnx, ids[..4].Select(i => (int)i).ToArray(), 10, 1e-2);
        log.WriteLine($"GenAI tokens {string.Join(' ', tokens)}");
    }

    [Fact]
    public void An_act_order_group_index_with_uneven_groups_is_refused_naming_the_tensor()
    {
        using var temp = new TempFolder();
        var (hub, _) = Checkpoints(temp, Layout.Gptq, new RtnOptions { Bits = 4, GroupSize = 32 });
        const string Index = "model.layers.0.mlp.down_proj.g_idx"; // 192 input rows, 6 groups of 32
        var uneven = Enumerable.Range(0, 192).Select(k => k < 40 ? 0 : (k - 8) / 32).ToArray();
        HubCheckpointFixtures.Replace(hub, Index, new SafeTensorsWriter.Entry(Index, "I32", [192]), uneven.SelectMany(BitConverter.GetBytes).ToArray());
        var e = Assert.Throws<ExportException>(() => WeightOnlyFixtures.Export(hub, temp.Sub("onnx")));
        Assert.Contains($"tensor '{Index}' puts 24..40 input rows in a group, not 32 each", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemv"}""", "AutoAWQ's GEMM layout only")]
    [InlineData("""{"quant_method": "gptq", "bits": 3, "group_size": 128}""", "bits is 3")]
    [InlineData("""{"quant_method": "gptq", "bits": 4, "group_size": 128, "checkpoint_format": "marlin"}""", "checkpoint_format is 'marlin'")]
    [InlineData("""{"quant_method": "gptq", "group_size": 128}""", "no integer 'bits'")]
    public void Layouts_it_cannot_convert_are_refused_with_the_setting(string quantization, string expected)
    {
        var config = new System.Text.Json.Nodes.JsonObject { ["quantization_config"] = System.Text.Json.Nodes.JsonNode.Parse(quantization) };
        Assert.True(OliveNet.Passes.Quantization.WeightOnly.Hub.HubQuantizationConfig.Applies(config));
        var e = Assert.Throws<FormatException>(() => OliveNet.Passes.Quantization.WeightOnly.Hub.HubQuantizationConfig.Read(config));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    private static (string Hub, string Reference) Checkpoints(TempFolder temp, Layout layout, RtnOptions options, Func<string, string?>? edit = null, bool actOrder = false)
    {
        var rtn = WeightOnlyFixtures.Rtn(HfFixtures.Checkpoint("qwen3"), temp.Sub("rtn"), options);
        var hub = Path.Combine(temp.Path, "hub");
        var reference = Path.Combine(temp.Path, "float");
        HubCheckpointFixtures.Write(rtn, layout, hub, reference, edit, actOrder);
        return (hub, reference);
    }
}
