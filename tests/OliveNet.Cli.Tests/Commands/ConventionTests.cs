using System.Text.Json;
using OliveNet.Runtime;

namespace OliveNet.Cli.Tests.Commands;

/// <summary>The command-line conventions people bring from other tools: versions, did-you-mean, JSON, aliases.</summary>
public sealed class ConventionTests
{
    [Fact]
    public void Version_names_olivenet_and_the_onnx_runtime_it_loads()
    {
        var (exit, stdout, _) = CliRunner.Run("--version");

        Assert.Equal(0, exit);
        Assert.Contains($"olivenet {Engine.EngineInfo.Version}", stdout, StringComparison.Ordinal);
        Assert.Contains($"ONNX Runtime {OrtRuntime.Version}", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mistyped_command_gets_a_did_you_mean_and_exit_2()
    {
        var (exit, _, stderr) = CliRunner.Run("runn", "recipe.yaml");

        Assert.Equal(2, exit);
        Assert.Contains("'runn'", stderr, StringComparison.Ordinal);
        Assert.Contains("(did you mean olivenet run?)", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command", stderr, StringComparison.Ordinal);

        var option = CliRunner.Run("inspect", "model.onnx", "--jsn");
        Assert.Equal(2, option.Exit);
        Assert.Contains("(did you mean --json?)", option.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("onnxpeephole", "OnnxPeepholeOptimizer")]
    [InlineData("OnnxStaticQuantisation", "OnnxStaticQuantization")]
    public void A_partial_or_misspelled_pass_name_gets_a_did_you_mean(string typed, string meant)
    {
        var (exit, _, stderr) = CliRunner.Run("passes", typed);

        Assert.Equal(2, exit);
        Assert.Contains($"no pass '{typed}' (did you mean {meant}?)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_accepts_olives_config_option_as_the_recipe()
    {
        using var dir = new TempDir();
        var recipe = dir.File("r.yaml", $$"""
            input_model: {type: ONNXModel, model_path: "{{RealModels.OcrClassifier}}"}
            passes:
              peephole: {type: OnnxPeepholeOptimizer}
            """);

        var positional = CliRunner.Run("run", recipe, "--dry-run");
        var config = CliRunner.Run("run", "--config", recipe, "--dry-run");
        var validate = CliRunner.Run("validate", "--config", recipe);

        Assert.True(positional.Exit == 0, positional.Err);
        Assert.Equal((0, positional.Out), (config.Exit, config.Out));
        Assert.True(validate.Exit == 0, validate.Err);
        var both = CliRunner.Run("run", recipe, "--config", recipe);
        Assert.Equal(2, both.Exit);
        Assert.Contains("two recipes given", both.Err, StringComparison.Ordinal);
        var none = CliRunner.Run("run");
        Assert.Equal(2, none.Exit);
        Assert.Contains("no recipe given", none.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_commands_report_errors_as_one_json_object_on_stdout()
    {
        var (exit, stdout, stderr) = CliRunner.Run("inspect", "--json", "/nonexistent/model.onnx");

        Assert.Equal(2, exit);
        Assert.Contains("error: ", stderr, StringComparison.Ordinal);
        var error = JsonDocument.Parse(stdout).RootElement.GetProperty("error");
        Assert.Contains("/nonexistent/model.onnx", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, error.GetProperty("exit_code").GetInt32());

        // A parse error under --json is JSON too.
        var parse = CliRunner.Run("bench", "--json", "--runs", "many", "model.onnx");
        Assert.Equal(2, parse.Exit);
        Assert.Contains("many", JsonDocument.Parse(parse.Out).RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_json_gives_fixed_dims_as_numbers_and_symbols_as_strings()
    {
        var input = CliRunner.Json("inspect", "--json", RealModels.OcrClassifier).GetProperty("inputs")[0].GetProperty("shape");

        // float32[p2o.DynamicDimension.0, 3, p2o.DynamicDimension.1, p2o.DynamicDimension.2]
        Assert.Equal(JsonValueKind.String, input[0].ValueKind);
        Assert.Equal(JsonValueKind.Number, input[1].ValueKind);
        Assert.Equal(3, input[1].GetInt32());
    }

    [Fact]
    public void Short_n_means_max_tokens_only_and_bench_runs_is_short_r()
    {
        Assert.Contains("-n, --max-tokens", CliRunner.Run("generate", "--help").Out, StringComparison.Ordinal);
        var help = CliRunner.Run("bench", "--help").Out;
        Assert.Contains("-r, --runs", help, StringComparison.Ordinal);
        Assert.DoesNotContain("-n,", help, StringComparison.Ordinal);

        var bench = CliRunner.Json("bench", RealModels.OcrClassifier, "--dim", "p2o.DynamicDimension.0=1", "--dim", "p2o.DynamicDimension.1=48", "--dim", "p2o.DynamicDimension.2=192", "-r", "3", "--warmup", "1", "--json");
        Assert.Equal(3, bench.GetProperty("runs").GetInt32());
    }

    /// <summary>Every shipped recipe whose model_path is ${VAR:-org/name}: offline, the error names VAR and --set.</summary>
    [Theory]
    [InlineData("qwen3-0.6b-int4-cpu.yaml", "QWEN3_0_6B")]
    [InlineData("qwen3-1.7b-int4-cpu.yaml", "QWEN3_1_7B")]
    [InlineData("gemma-3-1b-int4-cpu.yaml", "GEMMA_3_1B")]
    [InlineData("phi-4-mini-int4-cpu.yaml", "PHI_4_MINI")]
    public void Hub_id_recipes_say_which_variable_to_set_or_what_to_pass(string recipe, string variable)
    {
        using var emptyHub = new TempDir();
        var (exit, _, stderr) = CliProcess.Run(
            new Dictionary<string, string?> { ["HF_HOME"] = emptyHub.Path, ["HF_HUB_CACHE"] = null, [variable] = null },
            "validate", Path.Combine(CliProcess.RepoRoot, "pipelines", recipe));

        Assert.Equal(2, exit);
        Assert.Contains($"set {variable}=/path/to/checkpoint", stderr, StringComparison.Ordinal);
        Assert.Contains("--set input_model.model_path=/path/to/checkpoint", stderr, StringComparison.Ordinal);
    }
}
