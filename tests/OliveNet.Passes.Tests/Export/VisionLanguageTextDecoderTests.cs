using System.Text.Json.Nodes;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Engine.Workflows;
using OliveNet.Onnx;
using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;
using OliveNet.Passes.Gguf;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Quantization.WeightOnly;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// The text decoder of vision-language checkpoints (Qwen3-VL, Qwen2.5-VL, Gemma 3 multimodal, Mistral 3) exported by
/// ModelBuilder from the wrapper checkpoint as saved: nested text_config, weights under the wrapper's prefix, vision
/// tensors left out. Logits against the text architecture's own forward are in ModelBuilderLogitsTests and GenAI
/// generation in ExportGenerateTests (both take these fixtures); here: Olive's text.json recipe shape end to end, the
/// genai_config the runtime loads, both checkpoint layouts, the quantization chain, and the refusals.
/// </summary>
public sealed class VisionLanguageTextDecoderTests(Xunit.Abstractions.ITestOutputHelper log)
{
    public static TheoryData<string> Wrappers => new() { "qwen3_vl", "qwen2_5_vl", "gemma3_vl", "mistral3" };

    /// <summary>
    /// olive-recipes' cpu_and_mobile/text.json for these models: one ModelBuilder int4 pass with extra_options
    /// filename (Ministral 3's adds int4_algo_config k_quant_mixed), no_artifacts, run through the engine; the
    /// published decoder loads in GenAI 0.20 and greedy generation follows the full forwards.
    /// </summary>
    [Theory]
    [MemberData(nameof(Wrappers))]
    public void Olives_text_recipe_shape_runs_end_to_end_and_genai_generates(string name)
    {
        using var temp = new TempFolder();
        var pass = new JsonObject { ["type"] = "ModelBuilder", ["precision"] = "int4", ["extra_options"] = new JsonObject { ["filename"] = "text.onnx" } };
        if (name == "mistral3")
        {
            pass["int4_algo_config"] = "k_quant_mixed";
        }

        var recipe = new JsonObject
        {
            ["input_model"] = new JsonObject { ["type"] = "HfModel", ["model_path"] = HfFixtures.Checkpoint(name) },
            ["passes"] = new JsonObject { ["convert"] = pass },
            ["no_artifacts"] = true,
            ["cache_dir"] = temp.Sub("cache"),
            ["output_dir"] = temp.Sub("out"),
        };
        var path = Path.Combine(temp.Path, "text.json");
        File.WriteAllText(path, recipe.ToJsonString());
        var loaded = new RecipeLoader(new PassRegistry([new ModelBuilderPass()])).Load(path);
        var summary = new WorkflowRunner().Run(loaded, new RunSettings());

        var model = OnnxModel.Load(Path.Combine(summary.OutputDir, "model.onnx")).Proto.Graph;
        Assert.Contains(model.Node, n => n.OpType == "MatMulNBits");
        Assert.DoesNotContain(model.Initializer, t => IsVision(t.Name));
        var (ids, _, vocab) = HfFixtures.Reference(name);
        var tokens = WeightOnlyFixtures.GenAIGreedy(summary.OutputDir, ids[..4].Select(i => (int)i).ToArray(), 8, Int4Tolerance, vocab, relative: true);
        using (var session = new DecoderSession(summary.OutputDir))
        {
            Assert.Equal(vocab, session.Step(ids[..4]).Length); // the published export's head is pruned to the last position
        }

        log.WriteLine($"{name}: text.json recipe → {summary.OutputDir}; GenAI tokens {string.Join(' ', tokens)}");
    }

    // int4 (accuracy_level 4): GenAI's cached steps and a fresh forward differ by int8-activation rounding in the
    // kernels' accumulation order, ~1e-3 of the logit scale (ExportGenerateTests' int4 tolerance).
    private const double Int4Tolerance = 1e-3;

    /// <summary>GenAI runs the text decoder as a plain decoder-only model on input_ids: the text family's type and geometry.</summary>
    [Theory]
    [InlineData("qwen3_vl", "qwen3", 2, 4, 2, 32)]
    [InlineData("qwen2_5_vl", "qwen2", 2, 6, 2, 16)]
    [InlineData("gemma3_vl", "gemma3_text", 6, 8, 4, 256)] // heads, kv heads, head_dim: Gemma3TextConfig's defaults
    [InlineData("mistral3", "mistral", 2, 4, 2, 32)]
    public void Genai_config_describes_the_text_decoder(string name, string type, int layers, int heads, int kvHeads, int headSize)
    {
        using var temp = new TempFolder();
        var folder = ModelBuilderLogitsTests.Export(name, "fp32", temp.Path);
        var decoder = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, GenAiConfig.FileName)))!["model"]!;
        Assert.Equal(type, decoder["type"]!.GetValue<string>());
        Assert.Equal(
            (layers, heads, kvHeads, headSize),
            (decoder["decoder"]!["num_hidden_layers"]!.GetValue<int>(), decoder["decoder"]!["num_attention_heads"]!.GetValue<int>(),
             decoder["decoder"]!["num_key_value_heads"]!.GetValue<int>(), decoder["decoder"]!["head_size"]!.GetValue<int>()));
        Assert.Equal("""{"input_ids":"input_ids","attention_mask":"attention_mask","past_key_names":"past_key_values.%d.key","past_value_names":"past_key_values.%d.value"}""", decoder["decoder"]!["inputs"]!.ToJsonString());
    }

    /// <summary>
    /// Qwen2.5-VL saved by older transformers (text fields at the top level, weights model.*) and by newer ones
    /// (text_config, model.language_model.*), and Gemma 3's language_model.model.* and model.language_model.*, export
    /// byte-identical decoders.
    /// </summary>
    [Theory]
    [InlineData("qwen2_5_vl", "model.", "model.language_model.", true)]
    [InlineData("gemma3_vl", "language_model.model.", "model.language_model.", false)]
    public void Both_checkpoint_layouts_of_a_wrapper_export_the_same_decoder(string name, string from, string to, bool nest)
    {
        using var temp = new TempFolder();
        var relaid = Relayout(HfFixtures.Checkpoint(name), temp.Sub("relaid"), from, to, nest);
        var a = ExportTo(HfFixtures.Checkpoint(name), temp.Sub("a"));
        var b = ExportTo(relaid, temp.Sub("b"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "model.onnx")), File.ReadAllBytes(Path.Combine(b, "model.onnx")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "model.onnx.data")), File.ReadAllBytes(Path.Combine(b, "model.onnx.data")));
    }

    /// <summary>
    /// Olive's CPU chain SelectiveMixedPrecision → Gptq → Rtn → ModelBuilder on the wrapper: the quantization passes
    /// see the text decoder as a plain one (flattened config, plain tensor names) and ModelBuilder packs their blocks.
    /// </summary>
    /// <remarks>
    /// gemma3_vl is left out: its text_config takes Gemma 3's default 8 heads × 256 dims, so o_proj's input is 2048
    /// wide and GPTQ's Hessian and solve take minutes on a shared test machine; the Gemma 3 layers calibrate like the
    /// gemma3 fixture's, and the wrapper changes only names and config, which the other three exercise.
    /// </remarks>
    [Theory]
    [InlineData("qwen3_vl")]
    [InlineData("qwen2_5_vl")]
    [InlineData("mistral3")]
    public void The_smp_gptq_rtn_chain_quantizes_the_text_decoder_and_genai_generates(string name)
    {
        using var temp = new TempFolder();
        var smp = temp.Sub("smp");
        SelectiveMixedPrecisionPass.Annotate(HfFixtures.Checkpoint(name), smp, new SelectiveMixedPrecisionOptions { Algorithm = "k_quant_mixed", Bits = 4, HighBits = 8 }, TextWriter.Null);
        var gptq = temp.Sub("gptq");
        GptqPass.Quantize(smp, gptq, new GptqOptions { Bits = 4, GroupSize = 32, Sym = false, CalibrationText = WeightOnlyFixtures.CalibrationText, MaxSeqLen = 32, MaxSamples = 4 }, TextWriter.Null, default);
        var rtn = WeightOnlyFixtures.Rtn(gptq, temp.Sub("rtn"), new RtnOptions { Bits = 8, GroupSize = 32, Sym = false, LmHead = true });
        var onnx = WeightOnlyFixtures.Export(rtn, temp.Sub("onnx"));
        var graph = OnnxModel.Load(Path.Combine(onnx, "model.onnx")).Proto.Graph;
        Assert.DoesNotContain(graph.Node, n => n.OpType == "MatMul");
        var cosine = ModelBuilderQuantizedTests.Cosine(name, onnx);
        var (ids, _, _) = HfFixtures.Reference(name);
        var tokens = WeightOnlyFixtures.GenAIGreedy(onnx, ids[..4].Select(i => (int)i).ToArray(), 8, 1e-2);
        log.WriteLine($"{name}: SMP → Gptq → Rtn → ModelBuilder int4: cosine {cosine:F4}; GenAI tokens {string.Join(' ', tokens)}");
        Assert.True(cosine >= 0.9, $"{name}: cosine {cosine}");
    }

    /// <summary>SelectiveMixedPrecision's kld_gradient runs the wrapper's layers through ONNX Runtime as it does a plain decoder's, and its plan names plain modules.</summary>
    [Theory]
    [InlineData("qwen3_vl")]
    [InlineData("mistral3")]
    public void Kld_gradient_plans_the_text_decoder_of_a_wrapper(string name)
    {
        using var temp = new TempFolder();
        var options = new SelectiveMixedPrecisionOptions
        {
            Algorithm = "kld_gradient", Ratio = 0.7, GroupSize = 32, CalibrationText = WeightOnlyFixtures.CalibrationText, MaxSeqLen = 32, MaxSamples = 3,
        };
        SelectiveMixedPrecisionPass.Annotate(HfFixtures.Checkpoint(name), temp.Sub("plan"), options, TextWriter.Null);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Sub("plan"), "config.json")))!;
        var overrides = config[QuantizationConfig.MixedPrecisionKey]!["overrides"]!.AsObject();
        Assert.NotEmpty(overrides);
        Assert.All(overrides, o => Assert.True(o.Key is "lm_head" or "model.embed_tokens" || o.Key.StartsWith("model.layers.", StringComparison.Ordinal), o.Key));
        var onnx = WeightOnlyFixtures.Export(WeightOnlyFixtures.Rtn(temp.Sub("plan"), temp.Sub("rtn"), new RtnOptions { Bits = 4, GroupSize = 32 }), temp.Sub("onnx"));
        Assert.True(ModelBuilderQuantizedTests.Cosine(name, onnx) >= 0.9);
    }

    [Fact]
    public void Gguf_export_refuses_a_vision_language_checkpoint_in_one_line()
    {
        using var temp = new TempFolder();
        var e = Assert.Throws<ExportException>(() => GgufExporter.Export(HfFixtures.Checkpoint("qwen3_vl"), Path.Combine(temp.Path, "m.gguf"), "Q4_0", TextWriter.Null, default));
        Assert.Contains("Qwen3VLForConditionalGeneration", e.Message, StringComparison.Ordinal);
        Assert.Contains("mmproj", e.Message, StringComparison.Ordinal);
        Assert.Contains("ModelBuilder", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_checkpoint_holding_the_decoder_under_two_prefixes_is_refused()
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("both");
        Directory.CreateDirectory(folder);
        using (var writer = new SafeTensorsWriter(Path.Combine(folder, SafeTensorsCheckpoint.SingleFile), [new("model.norm.weight", "F32", [2]), new("model.language_model.norm.weight", "F32", [2])]))
        {
            writer.Append(new byte[8]);
            writer.Append(new byte[8]);
            writer.Commit();
        }

        var e = Assert.Throws<SafeTensorsException>(() => SafeTensorsCheckpoint.Open(folder).Dispose());
        Assert.Contains("both 'model.norm.weight' and 'model.language_model.norm.weight' stand for the decoder tensor 'model.norm.weight'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flattening_a_flattened_config_changes_nothing()
    {
        foreach (var name in new[] { "qwen3_vl", "qwen2_5_vl", "gemma3_vl", "mistral3" })
        {
            var raw = JsonNode.Parse(File.ReadAllText(Path.Combine(HfFixtures.Checkpoint(name), "config.json")))!.AsObject();
            var flat = MultimodalConfig.Flatten(raw);
            Assert.Null(flat["text_config"]);
            Assert.Null(flat["vision_config"]);
            Assert.Equal(flat.ToJsonString(), MultimodalConfig.Flatten((JsonObject)flat.DeepClone()).ToJsonString());
        }
    }

    private static bool IsVision(string name) => name.Contains("visual", StringComparison.Ordinal) || name.Contains("vision", StringComparison.Ordinal) || name.Contains("projector", StringComparison.Ordinal);

    private static string ExportTo(string checkpoint, string output)
    {
        ModelBuilderPass.Export(checkpoint, output, new ExportSettings("fp32", 32, true, 4, false, false), TextWriter.Null, default);
        return output;
    }

    /// <summary>A copy of <paramref name="source"/> with its text tensors moved from prefix <paramref name="from"/> to <paramref name="to"/> and, when <paramref name="nest"/>, its top-level text fields moved into text_config.</summary>
    private static string Relayout(string source, string output, string from, string to, bool nest)
    {
        Directory.CreateDirectory(output);
        foreach (var file in Directory.EnumerateFiles(source).Where(f => Path.GetFileName(f) is not ("config.json" or SafeTensorsCheckpoint.SingleFile)))
        {
            File.Copy(file, Path.Combine(output, Path.GetFileName(file)));
        }

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!.AsObject();
        if (nest)
        {
            var text = new JsonObject();
            foreach (var key in config.Select(p => p.Key).Where(k => k is not ("architectures" or "vision_config" or "tie_word_embeddings" or "image_token_id" or "model_type")).ToList())
            {
                text[key] = config[key]!.DeepClone();
                config.Remove(key);
            }

            config["text_config"] = text;
        }

        File.WriteAllText(Path.Combine(output, "config.json"), config.ToJsonString());
        using var file1 = SafeTensorsFile.Open(Path.Combine(source, SafeTensorsCheckpoint.SingleFile));
        string Renamed(string n) => n.StartsWith(from, StringComparison.Ordinal) ? to + n[from.Length..] : n;
        var tensors = file1.Tensors.ToList();
        using var writer = new SafeTensorsWriter(Path.Combine(output, SafeTensorsCheckpoint.SingleFile), tensors.Select(t => new SafeTensorsWriter.Entry(Renamed(t.Name), t.DType, [.. t.Shape])).ToList());
        foreach (var t in tensors)
        {
            writer.Append(file1.ReadBytes(t.Name));
        }

        writer.Commit();
        return output;
    }
}
