using OliveNet.Engine.Evaluation;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Export;
using OliveNet.Runtime.Generation;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// The export choices made for speed and size (issue 17) and the GenAI builder options Olive recipes carry (issue 18):
/// one quantized vocabulary table for tied embeddings, GatherBlockQuantized embeddings, the pruned LM head and its
/// full-logits variant, fused gate/up, include_hidden_states, algo_config bit placement, nodes and op types excluded.
/// </summary>
public sealed class ModelBuilderSpeedOptionsTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static ExportSettings Int4 => new("int4", 32, true, 4, false, false);

    [Fact]
    public void A_tied_int4_export_stores_the_vocabulary_matrix_once_for_the_embedding_and_the_head()
    {
        using var temp = new TempFolder();
        var shared = Export("llama", Int4, temp.Sub("shared"));
        var separate = Export("llama", Int4 with { QuantizeGather = false }, temp.Sub("separate"));
        var model = OnnxModel.Load(Path.Combine(shared, "model.onnx"));
        var g = model.Proto.Graph;
        var (vocab, hidden) = Dims("llama");

        var gather = Assert.Single(g.Node, n => n.OpType == "GatherBlockQuantized");
        Assert.Equal("com.microsoft", gather.Domain);
        var head = Assert.Single(g.Node, n => n.Name == "/model/lm_head/MatMulNBits");
        var reshape = Assert.Single(g.Node, n => n.Output[0] == gather.Input[0]);
        Assert.Equal("Reshape", reshape.OpType);
        Assert.Equal(head.Input[1], reshape.Input[0]); // the same packed weight
        Assert.Equal(head.Input[2], gather.Input[2]); // the same scales
        Assert.Equal(4, Attribute(gather, "bits"));
        Assert.Equal(32, Attribute(gather, "block_size"));
        Assert.Equal(1, Attribute(gather, "quantize_axis"));

        // Exactly two initializers span the vocabulary (packed weight and scales), and no float table is left.
        var vocabTensors = g.Initializer.Where(t => t.Dims.Count > 0 && t.Dims[0] == vocab).ToList();
        Assert.Equal(2, vocabTensors.Count);
        Assert.DoesNotContain(g.Initializer, t => t.DataType == (int)OnnxDataType.Float && t.Dims.Count == 2 && t.Dims[0] == vocab && t.Dims[1] == hidden);

        // The separate layout held the fp32 table besides the same int4 head: sharing saves exactly its vocab·hidden·4 bytes.
        var saved = DataBytes(separate) - DataBytes(shared);
        log.WriteLine($"llama int4: {DataBytes(separate)} → {DataBytes(shared)} bytes of weights ({saved} saved; fp32 table {vocab * hidden * 4})");
        Assert.Equal((long)vocab * hidden * 4, saved);
    }

    [Fact]
    public void Onnx_runtime_folds_the_reshape_of_the_shared_table_at_load_instead_of_running_it_every_step()
    {
        using var temp = new TempFolder();
        var folder = Export("llama", Int4, temp.Sub("model"));
        var optimized = Path.Combine(temp.Sub("optimized"), "model.onnx");
        using (var options = new OliveNet.Runtime.SessionOptions { OptimizationLevel = OliveNet.Runtime.GraphOptimizationLevel.Basic })
        {
            options.SetOptimizedModelFilePath(optimized);
            using var session = new OliveNet.Runtime.InferenceSession(Path.Combine(folder, "model.onnx"), options);
        }

        // Constant folding turns Reshape(initializer, constant shape) into an initializer: the gather reads a table,
        // not the output of a node that would copy the vocabulary matrix on every run.
        // (Unchanged initializers still point at the source folder's data file, so external data is not checked here.)
        var g = OnnxModel.Load(optimized, new OnnxLoadOptions { ValidateExternalData = false }).Proto.Graph;
        var gather = Assert.Single(g.Node, n => n.OpType == "GatherBlockQuantized");
        Assert.DoesNotContain(g.Node, n => n.Name == "/model/embed_tokens/Reshape");
        Assert.Contains(g.Initializer, t => t.Name == gather.Input[0]);
    }

    [Fact]
    public void An_untied_int4_export_quantizes_its_own_embedding_table_unless_gather_is_left_out()
    {
        using var temp = new TempFolder();
        var quantized = OnnxModel.Load(Path.Combine(Export("mistral", Int4, temp.Sub("q")), "model.onnx")).Proto.Graph;
        var gather = Assert.Single(quantized.Node, n => n.OpType == "GatherBlockQuantized");
        Assert.Equal("model.embed_tokens.weight.MatMulNBits.qweight", gather.Input[0]);
        Assert.DoesNotContain(quantized.Node, n => n.OpType == "Reshape" && n.Name.StartsWith("/model/embed_tokens", StringComparison.Ordinal));
        Assert.True(ModelBuilderQuantizedTests.Cosine("mistral", temp.Sub("q")) >= 0.9);

        var plain = OnnxModel.Load(Path.Combine(Export("mistral", Int4 with { QuantizeGather = false }, temp.Sub("f")), "model.onnx")).Proto.Graph;
        Assert.Single(plain.Node, n => n.OpType == "Gather" && n.Name == "/model/embed_tokens/Gather");
        Assert.DoesNotContain(plain.Node, n => n.OpType == "GatherBlockQuantized");
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("int4")]
    public void A_pruned_head_outputs_the_last_logits_and_its_full_logits_variant_equals_the_unpruned_export(string precision)
    {
        using var temp = new TempFolder();
        var settings = new ExportSettings(precision, 32, true, 4, false, false);
        var full = Export("qwen3", settings, temp.Sub("full"));
        var pruned = Export("qwen3", settings with { PruneLmHead = true }, temp.Sub("pruned"));
        var logits = OnnxModel.Load(Path.Combine(pruned, "model.onnx")).Proto.Graph.Output.Single(o => o.Name == "logits");
        Assert.Equal(1, logits.Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Null(FullLogitsGraph.Of(full));

        var (ids, _, vocab) = HfFixtures.Reference("qwen3");
        using var fullSession = new DecoderSession(full);
        var all = fullSession.Step(ids);
        var scale = all.Max(Math.Abs);
        using var prunedSession = new DecoderSession(pruned);
        var last = prunedSession.Step(ids);
        Assert.Equal(vocab, last.Length);
        var lastRow = all.AsSpan((ids.Length - 1) * vocab, vocab).ToArray();

        // fp32: one row through the head instead of all: float32 rounding of the same sums (1e-5 of the logit scale).
        // int4: MatMulNBits quantizes each activation row to int8 on its own, so a row's result does not depend on the
        // others; the GEMV and GEMM kernels accumulate in different orders (1e-3 of the scale, as ExportGenerateTests).
        var tolerance = (precision == "fp32" ? 1e-5 : 1e-3) * scale;
        Assert.True(ModelRunner.MaxAbsDiff(lastRow, last) <= tolerance, $"pruned logits differ from the last row by {ModelRunner.MaxAbsDiff(lastRow, last):G3}");

        // Perplexity's view of the pruned export: the same weights with the head fed every position.
        var graph = FullLogitsGraph.Of(pruned) ?? throw new InvalidOperationException("the pruned export was not recognised");
        using var restored = LanguageModel.Load(pruned, 0, graph);
        var restoredLogits = restored.ForwardAll(ids.Select(i => (int)i).ToList());
        Assert.True(ModelRunner.MaxAbsDiff(all, restoredLogits) <= 1e-5 * scale, $"full-logits variant differs by {ModelRunner.MaxAbsDiff(all, restoredLogits):G3}");
    }

    [Fact]
    public void Fused_gate_up_is_one_projection_split_in_two_with_the_same_logits()
    {
        using var temp = new TempFolder();
        var settings = new ExportSettings("fp32", 32, true, 4, false, false);
        var separate = Export("phi3", settings, temp.Sub("separate"));
        var fused = Export("phi3", settings with { FuseGateUp = true }, temp.Sub("fused"));
        var g = OnnxModel.Load(Path.Combine(fused, "model.onnx")).Proto.Graph;
        var layers = g.Node.Count(n => n.OpType == "GroupQueryAttention");
        Assert.Equal(layers, g.Node.Count(n => n.Name.EndsWith("/mlp/gate_up_proj/MatMul", StringComparison.Ordinal)));
        Assert.Equal(layers, g.Node.Count(n => n.Name.EndsWith("/mlp/gate_up_proj/Split", StringComparison.Ordinal)));
        Assert.DoesNotContain(g.Node, n => n.Name.EndsWith("/mlp/up_proj/MatMul", StringComparison.Ordinal));

        var (ids, _, _) = HfFixtures.Reference("phi3");
        using var a = new DecoderSession(separate);
        using var b = new DecoderSession(fused);
        var expected = a.Step(ids);
        var actual = b.Step(ids);

        // The same products and sums per output column, in one wider GEMM: float32 rounding only.
        Assert.True(ModelRunner.MaxAbsDiff(expected, actual) <= 1e-5 * expected.Max(Math.Abs));

        var int4 = Export("phi3", Int4 with { FuseGateUp = true }, temp.Sub("int4"));
        Assert.True(ModelBuilderQuantizedTests.Cosine("phi3", int4) >= 0.9);
    }

    [Fact]
    public void Include_hidden_states_outputs_the_final_norm_beside_the_logits()
    {
        using var temp = new TempFolder();
        var folder = Export("llama", new ExportSettings("fp32", 32, true, 4, false, false) { IncludeHiddenStates = true }, temp.Path);
        var g = OnnxModel.Load(Path.Combine(folder, "model.onnx")).Proto.Graph;
        Assert.Contains(g.Output, o => o.Name == "logits");
        Assert.Contains(g.Output, o => o.Name == "hidden_states");
        Assert.Contains(g.Node, n => n.OpType == "SkipSimplifiedLayerNormalization" && n.Output.Contains("hidden_states"));
        Assert.Contains(g.Node, n => n.Input.Contains("hidden_states"));
    }

    [Fact]
    public void K_quant_mixed_keeps_the_head_and_the_sensitive_layers_in_8_bits()
    {
        using var temp = new TempFolder();
        var folder = Export("gemma3", Int4 with { AlgoConfig = "k_quant_mixed" }, temp.Path);
        var g = OnnxModel.Load(Path.Combine(folder, "model.onnx")).Proto.Graph;
        var bits = g.Node.Where(n => n.OpType is "MatMulNBits" or "GatherBlockQuantized").ToDictionary(n => n.Name, n => Attribute(n, "bits"), StringComparer.Ordinal);

        // gemma3 has 6 layers: i < 6/8 picks layer 0, i ≥ 7·6/8 = 5.25 none, and (i − round(0.75)) % 3 == 2 picks layer 3.
        var eight = new[] { 0, 3 };
        for (var i = 0; i < 6; i++)
        {
            var expected = eight.Contains(i) ? 8 : 4;
            Assert.Equal(expected, bits[$"/model/layers.{i}/attn/qkv_proj/MatMulNBits"]);
            Assert.Equal(expected, bits[$"/model/layers.{i}/mlp/down_proj/MatMulNBits"]);
            Assert.Equal(4, bits[$"/model/layers.{i}/mlp/up_proj/MatMulNBits"]);
        }

        // The tied table follows the head into 8 bits and is still shared.
        Assert.Equal(8, bits["/model/lm_head/MatMulNBits"]);
        Assert.Equal(8, bits["/model/embed_tokens/GatherBlockQuantized"]);
        var cosine = ModelBuilderQuantizedTests.Cosine("gemma3", folder);
        var plain = ModelBuilderQuantizedTests.Cosine("gemma3", Export("gemma3", Int4, temp.Sub("rtn")));
        log.WriteLine($"gemma3 int4 cosine to the reference: default {plain:F5}, k_quant_mixed {cosine:F5}");
        Assert.True(cosine >= plain, $"more 8-bit weights should not move the logits further from the reference ({cosine:F5} < {plain:F5})");
    }

    [Fact]
    public void Rtn_last_keeps_only_the_head_in_8_bits()
    {
        using var temp = new TempFolder();
        var g = OnnxModel.Load(Path.Combine(Export("qwen2", Int4 with { AlgoConfig = "rtn_last" }, temp.Path), "model.onnx")).Proto.Graph;
        Assert.Equal(8, Attribute(g.Node.Single(n => n.Name == "/model/lm_head/MatMulNBits"), "bits"));
        Assert.All(g.Node.Where(n => n.OpType == "MatMulNBits" && n.Name != "/model/lm_head/MatMulNBits"), n => Assert.Equal(4, Attribute(n, "bits")));
        Assert.True(ModelBuilderQuantizedTests.Cosine("qwen2", temp.Path) >= 0.9);
    }

    [Fact]
    public void Excluded_nodes_and_op_types_stay_float()
    {
        using var temp = new TempFolder();
        var excluded = new HashSet<string>(StringComparer.Ordinal) { "/model/lm_head/MatMul", "/model/layers.0/mlp/down_proj/MatMul" };
        var g = OnnxModel.Load(Path.Combine(Export("llama", Int4 with { NodesToExclude = excluded }, temp.Sub("nodes")), "model.onnx")).Proto.Graph;
        Assert.Contains(g.Node, n => n.OpType == "MatMul" && n.Name == "/model/lm_head/MatMul");
        Assert.Contains(g.Node, n => n.OpType == "MatMul" && n.Name == "/model/layers.0/mlp/down_proj/MatMul");
        Assert.Contains(g.Node, n => n.OpType == "MatMulNBits" && n.Name == "/model/layers.1/mlp/down_proj/MatMulNBits");

        // A float head cannot share an int4 table: the embedding gets its own.
        Assert.Equal("model.embed_tokens.weight.MatMulNBits.qweight", g.Node.Single(n => n.OpType == "GatherBlockQuantized").Input[0]);

        var gatherOnly = OnnxModel.Load(Path.Combine(Export("llama", Int4 with { QuantizeMatMul = false }, temp.Sub("gather")), "model.onnx")).Proto.Graph;
        Assert.DoesNotContain(gatherOnly.Node, n => n.OpType == "MatMulNBits");
        Assert.Single(gatherOnly.Node, n => n.OpType == "GatherBlockQuantized");
    }

    [Fact]
    public void Pass_options_map_to_settings_and_bad_values_are_named_with_a_suggestion()
    {
        var defaults = ExportSettings.From(new ModelBuilderOptions());
        Assert.True(defaults.PruneLmHead && defaults.QuantizeGather && defaults.QuantizeMatMul);
        Assert.False(ExportSettings.From(new ModelBuilderOptions { ExcludeLmHead = true }).PruneLmHead);
        var gatherOnly = ExportSettings.From(new ModelBuilderOptions { Int4OpTypesToQuantize = ["Gather"], Int4NodesToExclude = ["/model/lm_head/MatMul"] });
        Assert.False(gatherOnly.QuantizeMatMul);
        Assert.Contains("/model/lm_head/MatMul", gatherOnly.NodesToExclude);

        var problems = new ModelBuilderPass().Validate(
            new ModelBuilderOptions { Int4AlgoConfig = "k_quant_mixd", Int4OpTypesToQuantize = ["MatMul", "Gathr"], IncludeHiddenStates = true, ExcludeLmHead = true }, Target.Cpu);
        Assert.Contains(problems, p => p.StartsWith("int4_algo_config: 'k_quant_mixd'", StringComparison.Ordinal) && p.Contains("k_quant_mixed", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("int4_op_types_to_quantize: 'Gathr'", StringComparison.Ordinal) && p.Contains("Gather", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("include_hidden_states:", StringComparison.Ordinal));
    }

    internal static string Export(string name, ExportSettings settings, string output)
    {
        ModelBuilderPass.Export(HfFixtures.Checkpoint(name), output, settings, TextWriter.Null, default);
        return output;
    }

    private static long DataBytes(string folder) => new FileInfo(Path.Combine(folder, "model.onnx.data")).Length;

    private static long Attribute(NodeProto node, string name) => node.Attribute.Single(a => a.Name == name).I;

    private static (int Vocab, int Hidden) Dims(string name)
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(HfFixtures.Checkpoint(name), "config.json")))!;
        return (config["vocab_size"]!.GetValue<int>(), config["hidden_size"]!.GetValue<int>());
    }
}
