using OliveNet.Cli.Commands;
using OliveNet.Engine.Recipes;
using OliveNet.Passes.Fusion;
using OliveNet.Passes.Graph;
using OliveNet.Passes.Quantization.Float16;
using OliveNet.Passes.Quantization.Static;
using OliveNet.Passes.Shapes;

namespace OliveNet.Cli.Tests.Commands;

/// <summary>
/// Real Olive options of the passes OliveNet has, written as microsoft/olive-recipes writes them: renamed options bind
/// to OliveNet's key, list forms to their list option, options without effect here are noted with the reason, and those
/// OliveNet cannot honour are refused with it. The recipes are small ones written for these tests.
/// </summary>
public sealed class OlivePassOptionsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Olive_static_quantization_options_bind_to_the_same_options_as_onnxNet_names()
    {
        var olive = Load("""
            passes:
              sq:
                type: OnnxStaticQuantization
                precision: uint8
                quant_preprocess: true
                calibration_providers: [CUDAExecutionProvider]
                op_types_to_exclude: [GatherBlockQuantized, Relu]
                extra_options: {ActivationSymmetric: true, CalibStridedMinMax: 1}
            """);
        var plain = Load("""
            passes:
              sq: {type: OnnxStaticQuantization, weight_type: uint8, op_types_to_quantize: [Conv, MatMul, Gemm, Clip], activation_symmetric: true}
            """);

        var options = Assert.IsType<OnnxStaticQuantizationOptions>(Choice(olive).Options);
        Assert.Equal("uint8", options.WeightType);
        Assert.Equal(["Conv", "MatMul", "Gemm", "Clip"], options.OpTypesToQuantize);
        Assert.True(options.ActivationSymmetric);
        Assert.Equal(Choice(plain).CanonicalOptions, Choice(olive).CanonicalOptions);
        Assert.Contains(olive.Notes, n => n.StartsWith("passes.sq.quant_preprocess: Olive's OnnxStaticQuantization option is accepted and has no effect", StringComparison.Ordinal));
        Assert.Contains(olive.Notes, n => n.StartsWith("passes.sq.calibration_providers:", StringComparison.Ordinal) && n.Contains("CPU execution provider", StringComparison.Ordinal));
        Assert.Contains(olive.Notes, n => n.StartsWith("passes.sq.extra_options: CalibStridedMinMax accepted and without effect", StringComparison.Ordinal));
    }

    [Fact]
    public void An_olive_name_given_beside_oliveNets_name_for_it_is_an_error()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            passes:
              sq: {type: OnnxStaticQuantization, precision: uint8, weight_type: int8, extra_options: {EnableSubgraph: true}}
            """));

        Assert.Contains(error.Errors, e => e.KeyPath == "passes.sq.precision" && e.Message == "is Olive's name for weight_type, which is also given; keep one");
        Assert.Contains(error.Errors, e => e.KeyPath == "passes.sq.extra_options.EnableSubgraph" && e.Message.StartsWith("is not supported by OliveNet's OnnxStaticQuantization", StringComparison.Ordinal));
    }

    [Fact]
    public void Op_types_to_exclude_needs_the_list_it_narrows_when_the_default_depends_on_the_mode()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            passes:
              q: {type: OnnxQuantization, quant_mode: static, op_types_to_exclude: [Conv]}
            """));
        Assert.Contains("give op_types_to_quantize as well", Assert.Single(error.Errors).Message, StringComparison.Ordinal);

        var recipe = Load("""
            passes:
              q: {type: OnnxQuantization, quant_mode: static, op_types_to_quantize: [Conv, MatMul], op_types_to_exclude: [Conv]}
            """);
        Assert.Equal(["MatMul"], Assert.IsType<OliveNet.Passes.Quantization.Umbrella.OnnxQuantizationOptions>(Choice(recipe).Options).OpTypesToQuantize);
    }

    [Fact]
    public void A_one_element_list_of_an_olive_list_option_is_its_value_not_a_search_space()
    {
        var recipe = Load("""
            passes:
              shape: {type: DynamicToFixedShape, input_name: [x], input_shape: [[1, 1, 28, 28]]}
              f16: {type: OnnxFloatToFloat16, keep_io_types: [logits], use_symbolic_shape_infer: true}
            """);

        var shape = Assert.IsType<DynamicToFixedShapeOptions>(recipe.Passes[0].Alternatives[0].Options);
        Assert.Equal([1L, 1, 28, 28], Assert.Single(shape.InputShape));
        var f16 = Assert.IsType<OnnxFloatToFloat16Options>(recipe.Passes[1].Alternatives[0].Options);
        Assert.Equal(["logits"], f16.KeepIoTypesNames);
        Assert.False(f16.KeepIoTypes);
    }

    [Fact]
    public void Olive_options_that_would_change_the_model_here_are_refused_with_the_reason_and_every_one_is_listed()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            passes:
              f16: {type: OnnxFloatToFloat16, keep_io_types: [logits], op_include_list: [MatMul]}
              p: {type: OnnxPeepholeOptimizer, fix_com_microsoft_opset: true, cast_chain_elimination: true}
            """));

        Assert.Equal(2, error.Errors.Count);
        Assert.Contains(error.Errors, e => e.KeyPath == "passes.f16.op_include_list" && e.Message.Contains("list the op types to keep float32 in op_block_list", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.KeyPath == "passes.p" && e.Message.StartsWith("cast_chain_elimination: true is not supported", StringComparison.Ordinal));
    }

    [Fact]
    public void Fusion_switches_map_attention_and_note_the_rest()
    {
        var recipe = Load("""
            passes:
              opt:
                type: OrtTransformersOptimization
                model_type: bert
                optimization_options: {enable_attention: false, enable_gelu: true, group_norm_channels_last: false}
                force_fp32_ops: [SkipLayerNormalization]
                force_fp16_inputs: {GroupNorm: [0, 1, 2]}
            """);

        var options = Assert.IsType<OrtTransformersOptimizationOptions>(Choice(recipe).Options);
        Assert.False(options.FuseAttention);
        // group_norm_channels_last is ONNX Runtime's FusionOptions attribute, which Olive's optimization_options update
        // (use_group_norm_channels_last is the optimizer's command-line name for it); olive-recipes' Stable Diffusion recipes set it.
        Assert.Contains(recipe.Notes, n => n.StartsWith("passes.opt.optimization_options: enable_gelu, group_norm_channels_last accepted and without effect", StringComparison.Ordinal));
        Assert.Contains(recipe.Notes, n => n.StartsWith("passes.opt.force_fp32_ops:", StringComparison.Ordinal));
        Assert.Contains(recipe.Notes, n => n.StartsWith("passes.opt.force_fp16_inputs:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_relative_data_dir_in_pass_options_is_relative_to_the_recipe_folder()
    {
        var recipe = Load("""
            passes:
              sq: {type: OnnxStaticQuantization, data_dir: calibration}
            """, "sub");

        var options = Assert.IsType<OnnxStaticQuantizationOptions>(Choice(recipe).Options);
        Assert.Equal(Path.Combine(_dir.Path, "sub", "calibration"), options.DataDir);
    }

    [Fact]
    public void Validate_says_an_olive_quantization_recipe_is_valid_and_prints_the_note()
    {
        var path = Write("""
            passes:
              q: {type: OnnxDynamicQuantization, quant_preprocess: true}
            """);

        var (exit, stdout, _) = CliRunner.Run("validate", path);

        Assert.Equal(0, exit);
        Assert.Contains("note        passes.q.quant_preprocess: Olive's OnnxDynamicQuantization option is accepted and has no effect", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_refuses_a_truncated_input_model_with_exit_2()
    {
        var bytes = File.ReadAllBytes(Relu);
        _dir.File("cut.onnx", bytes[..(bytes.Length - 5)]);
        var path = _dir.File("recipe.yaml", "input_model: {type: ONNXModel, model_path: cut.onnx}\npasses:\n  p: {type: OnnxPeepholeOptimizer}\n");

        var (exit, _, stderr) = CliRunner.Run("validate", path);

        Assert.Equal(2, exit);
        Assert.Contains("input_model.model_path: 'cut.onnx' is not a readable ONNX model", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Olive_model_builder_options_bind_top_level_and_in_extra_options_and_gpu_only_ones_are_noted()
    {
        var recipe = LoadCheckpointRecipe("""
            passes:
              mb:
                type: ModelBuilder
                precision: int4
                int4_algo_config: k_quant_mixed
                int4_op_types_to_quantize: [MatMul]
                enable_cuda_graph: true
                extra_options: {int4_block_size: 64, prune_lm_head: false, include_hidden_states: true, filename: text.onnx, int4_nodes_to_exclude: [/model/lm_head/MatMul]}
            """);

        var options = Assert.IsType<OliveNet.Passes.Export.ModelBuilderOptions>(Choice(recipe).Options);
        Assert.Equal("k_quant_mixed", options.Int4AlgoConfig);
        Assert.Equal(["MatMul"], options.Int4OpTypesToQuantize);
        Assert.Equal(64, options.Int4BlockSize);
        Assert.False(options.PruneLmHead);
        Assert.True(options.IncludeHiddenStates);
        Assert.Equal(["/model/lm_head/MatMul"], options.Int4NodesToExclude);
        Assert.Contains(recipe.Notes, n => n.StartsWith("passes.mb.enable_cuda_graph: Olive's ModelBuilder option is accepted and has no effect", StringComparison.Ordinal));
        Assert.Contains(recipe.Notes, n => n.StartsWith("passes.mb.extra_options: filename accepted and without effect", StringComparison.Ordinal));
    }

    [Fact]
    public void Model_builder_extra_options_take_booleans_as_the_genai_builder_reads_them_one_and_zero_or_text()
    {
        // Olive's Qwen3-Embedding CPU recipes write include_hidden_states: 1 (the GenAI builder reads extra_options as key=value text).
        var recipe = LoadCheckpointRecipe("""
            passes:
              m: {type: ModelBuilder, precision: fp32, extra_options: {include_hidden_states: 1, prune_lm_head: "0", exclude_embeds: "False", enable_cuda_graph: "1"}}
            """);

        var options = Assert.IsType<OliveNet.Passes.Export.ModelBuilderOptions>(Choice(recipe).Options);
        Assert.True(options.IncludeHiddenStates);
        Assert.False(options.PruneLmHead);
        Assert.False(options.ExcludeEmbeds);

        var error = Assert.Throws<RecipeException>(() => LoadCheckpointRecipe("""
            passes:
              m: {type: ModelBuilder, extra_options: {include_hidden_states: 2}}
            """));
        var problem = Assert.Single(error.Errors);
        Assert.EndsWith("include_hidden_states", problem.KeyPath, StringComparison.Ordinal);
        Assert.Contains("expected a boolean, got '2'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_model_builder_extra_option_is_refused_with_the_closest_name()
    {
        var error = Assert.Throws<RecipeException>(() => LoadCheckpointRecipe("""
            passes:
              mb: {type: ModelBuilder, extra_options: {prune_lm_haed: true}}
            """));

        var problem = Assert.Single(error.Errors);
        Assert.Equal("passes.mb.extra_options.prune_lm_haed", problem.KeyPath);
        Assert.Contains("did you mean prune_lm_head", problem.Message, StringComparison.Ordinal);
    }

    private static string Relu => "/usr/share/libonnx-testdata/data/node/test_relu/model.onnx";

    private static Engine.Recipes.PassChoice Choice(Recipe recipe) => Assert.Single(Assert.Single(recipe.Passes).Alternatives);

    private Recipe Load(string text, string folder = "") => Services.Recipes.Load(Write(text, folder));

    /// <summary>A recipe whose input is a (config-only) Hugging Face checkpoint folder beside it.</summary>
    private Recipe LoadCheckpointRecipe(string text)
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "ckpt"));
        _dir.File("ckpt/config.json", """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 4, "vocab_size": 272}
            """);
        return Services.Recipes.Load(_dir.File("checkpoint-recipe.yaml", "input_model: {type: HfModel, model_path: ckpt}\n" + text));
    }

    private string Write(string text, string folder = "")
    {
        var dir = Path.Combine(_dir.Path, folder);
        Directory.CreateDirectory(dir);
        File.Copy(Relu, Path.Combine(dir, "relu.onnx"), overwrite: true);
        var path = Path.Combine(dir, "recipe.yaml");
        File.WriteAllText(path, "input_model: {type: ONNXModel, model_path: relu.onnx}\n" + text);
        return path;
    }
}
