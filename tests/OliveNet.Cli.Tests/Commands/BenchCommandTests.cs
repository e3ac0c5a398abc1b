namespace OliveNet.Cli.Tests.Commands;

public sealed class BenchCommandTests
{
    [Fact]
    public void Bench_measures_the_recognizer_at_the_given_shape()
    {
        var report = CliRunner.Json(
            "bench", RealModels.OcrRecognizer, "--shape", "x=1x3x48x160", "--runs", "5", "--warmup", "1", "--threads", "1", "--json");

        var input = report.GetProperty("inputs")[0];
        Assert.Equal([1L, 3, 48, 160], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        var latency = report.GetProperty("latency_ms");
        Assert.Equal(5, latency.GetProperty("count").GetInt32());
        var min = latency.GetProperty("min").GetDouble();
        var p50 = latency.GetProperty("p50").GetDouble();
        var p99 = latency.GetProperty("p99").GetDouble();
        var max = latency.GetProperty("max").GetDouble();
        Assert.True(min > 0 && min <= p50 && p50 <= p99 && p99 <= max, $"min {min} p50 {p50} p99 {p99} max {max}");
        Assert.Equal(1, report.GetProperty("threads").GetInt32());
    }

    /// <summary>
    /// --profile-runs reads ORT's own profile of extra runs: the recognizer's Convs appear with their node count (38 after
    /// ORT's fusions), op-type shares add up to the whole kernel time, and the text form prints the table.
    /// </summary>
    [Fact]
    public void Profile_runs_say_where_the_time_goes_per_operator_type()
    {
        var report = CliRunner.Json(
            "bench", RealModels.OcrRecognizer, "--shape", "x=1x3x48x160", "--runs", "2", "--warmup", "1", "--threads", "1", "--profile-runs", "3", "--json");

        var profile = report.GetProperty("profile");
        Assert.Equal(3, profile.GetProperty("runs").GetInt32());
        var ops = profile.GetProperty("by_op_type").EnumerateArray().ToList();
        var conv = ops.Single(o => o.GetProperty("op_type").GetString() == "Conv");
        Assert.Equal(38, conv.GetProperty("nodes").GetInt32());
        Assert.Equal(1.0, ops.Sum(o => o.GetProperty("share").GetDouble()), 6);
        var kernel = profile.GetProperty("kernel_microseconds_per_run").GetDouble();
        Assert.Equal(kernel, ops.Sum(o => o.GetProperty("microseconds_per_run").GetDouble()), 3);
        Assert.True(kernel > 0 && kernel <= profile.GetProperty("run_microseconds_per_run").GetDouble() * 1.05, $"kernels {kernel} µs vs runs {profile.GetProperty("run_microseconds_per_run").GetDouble()} µs");
        Assert.NotEmpty(profile.GetProperty("top_nodes").EnumerateArray());

        var (exit, stdout, _) = CliRunner.Run("bench", RealModels.OcrRecognizer, "--shape", "x=1x3x48x160", "--runs", "1", "--warmup", "0", "--profile-runs", "1");
        Assert.Equal(0, exit);
        Assert.Contains("slowest nodes:", stdout, StringComparison.Ordinal);
        Assert.Matches(@"\n  Conv +38 ", stdout);
    }

    [Fact]
    public void Bench_resolves_named_symbolic_dims_and_constant_fills()
    {
        var report = CliRunner.Json(
            "bench", RealModels.SileroIfless, "--dim", "batch=2", "--dim", "sequence=512", "--fill", "sr=16000",
            "--runs", "2", "--warmup", "0", "--json");

        var inputs = report.GetProperty("inputs").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!);
        Assert.Equal([2L, 512], inputs["input"].GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal([2L, 2, 128], inputs["state"].GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal("fill 16000", inputs["sr"].GetProperty("data").GetString());
    }

    [Fact]
    public void An_unknown_input_name_lists_the_real_ones()
    {
        var (exit, _, stderr) = CliRunner.Run("bench", RealModels.OcrClassifier, "--shape", "image=1x3x48x192");

        Assert.Equal(2, exit);
        Assert.Contains("no input 'image'", stderr, StringComparison.Ordinal);
        Assert.Contains("x", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_dim_says_how_to_write_it()
    {
        var (exit, _, stderr) = CliRunner.Run("bench", RealModels.OcrClassifier, "--dim", "batch");

        Assert.Equal(2, exit);
        Assert.Contains("--dim batch=1", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_of_the_wrong_rank_is_refused_before_running()
    {
        var (exit, _, stderr) = CliRunner.Run("bench", RealModels.OcrClassifier, "--shape", "x=1x3x48");

        Assert.Equal(2, exit);
        Assert.Contains("rank 4", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_option_is_an_argument_error_with_exit_code_2()
    {
        var (exit, _, stderr) = CliRunner.Run("bench", RealModels.OcrClassifier, "--warmpu", "3");

        Assert.Equal(2, exit);
        Assert.Contains("--warmpu", stderr, StringComparison.Ordinal);
        Assert.Contains("olivenet bench --help", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_inputs_are_described_with_onnx_type_names()
    {
        var report = CliRunner.Json("bench", RealModels.OcrClassifier, "--shape", "x=1x3x48x192", "--runs", "1", "--warmup", "0", "--json");

        Assert.Equal("float32", report.GetProperty("inputs")[0].GetProperty("type").GetString());
    }

    [Fact]
    public void An_execution_provider_this_build_cannot_create_fails_clearly_instead_of_falling_back_to_cpu()
    {
        var (exit, stdout, stderr) = CliRunner.Run("bench", RealModels.OcrClassifier, "--ep", "CUDAExecutionProvider", "--runs", "1");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("CUDA", stderr, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x=1x3x48x99999999999")]
    [InlineData("x=1x3x48x2305843009213693952")]
    [InlineData("x=1x3x48x14000000")]
    public void A_shape_too_large_to_generate_is_refused_with_its_size(string shape)
    {
        var (exit, _, stderr) = CliRunner.Run("bench", RealModels.OcrRecognizer, "--shape", shape);

        Assert.Equal(2, exit);
        Assert.Contains("limited to 2 GiB", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_threads_are_refused()
    {
        var (exit, _, stderr) = CliRunner.Run("bench", RealModels.OcrClassifier, "--threads", "-3");

        Assert.Equal(2, exit);
        Assert.Contains("threads must be 0", stderr, StringComparison.Ordinal);
    }
}
