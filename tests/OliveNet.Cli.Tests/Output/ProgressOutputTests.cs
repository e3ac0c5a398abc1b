using System.Diagnostics;
using System.Text.RegularExpressions;

namespace OliveNet.Cli.Tests.Output;

/// <summary>
/// What a run shows while it works, in a real process: a live display on a terminal (run under util-linux
/// <c>script</c>, which gives it a pseudo-terminal), timestamped lines in logs and CI, nothing with --quiet, and Ctrl+C.
/// The recipe: the PP-OCR direction classifier, batch fixed, static INT8 calibrated on ten JPEG photos, scored for fidelity.
/// </summary>
public sealed partial class ProgressOutputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public ProgressOutputTests()
    {
        var photos = Directory.CreateDirectory(Path.Combine(_dir.Path, "photos")).FullName;
        foreach (var (photo, i) in RealModels.StdlibPhotos().Select((p, i) => (p, i)))
        {
            File.Copy(photo, Path.Combine(photos, $"{i}.jpg"));
        }
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_terminal_gets_a_live_display_of_the_running_pass_and_evaluation()
    {
        var recipe = Recipe("fidelity", "{}");
        var command = $"dotnet '{CliProcess.Dll}' run '{recipe}'";
        using var process = CliProcess.Start(new Dictionary<string, string?> { ["TERM"] = "xterm-256color", ["COLUMNS"] = "120" }, _dir.Path, "script", "-qec", command, "/dev/null");
        var screen = await process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)));

        Assert.True(process.ExitCode == 0, screen);
        // Spectre.Console's live display hides the cursor, redraws rows in place and shows it again at the end.
        Assert.Contains("\u001b[?25l", screen, StringComparison.Ordinal);
        Assert.Contains("\u001b[?25h", screen, StringComparison.Ordinal);
        // The log line names the candidate once with its id; every other occurrence is a live row being redrawn.
        Assert.True(Regex.Count(screen, @"evaluating candidate 0(?! \()") >= 1, screen);
        Assert.Contains("published", screen, StringComparison.Ordinal);
    }

    [Fact]
    public void Logs_and_ci_get_plain_timestamped_lines_and_verbose_adds_steps()
    {
        var recipe = Recipe("fidelity", "{}");

        var (exit, _, stderr) = CliProcess.Run(new Dictionary<string, string?> { ["CI"] = "true" }, "run", recipe, "--verbose");

        Assert.True(exit == 0, stderr);
        Assert.DoesNotContain('\u001b', stderr);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.Matches(Timestamp(), line));
        // --verbose: each long step's start (with its item count when the loop knows it) and end. Calibration reads its
        // samples lazily, so it has no count.
        Assert.Contains(lines, l => l.EndsWith("calibrating ...", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("fidelity (fidelity): 10 item(s)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("evaluating candidate 0: done in", StringComparison.Ordinal));
    }

    [Fact]
    public void Quiet_prints_no_progress_only_the_result()
    {
        var recipe = Recipe("fidelity", "{}");

        var (exit, stdout, stderr) = CliProcess.Run(new Dictionary<string, string?>(), "run", recipe, "--quiet");

        Assert.True(exit == 0, stderr);
        Assert.Equal(string.Empty, stderr);
        Assert.Contains("published", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_c_exits_130_and_says_how_many_passes_are_cached()
    {
        // A latency metric of a billion runs: the run is inside the candidate's evaluation, after both passes, when
        // the signal comes, and only stops because of it.
        var recipe = Recipe("latency", "{warmup_num: 0, repeat_test_num: 1000000000}");
        using var process = CliProcess.Start(new Dictionary<string, string?> { ["CI"] = "true" }, _dir.Path, "dotnet", CliProcess.Dll, "run", recipe);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var log = new System.Text.StringBuilder();
            using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            string? line;
            while ((line = await process.StandardError.ReadLineAsync(patience.Token)) is not null)
            {
                log.AppendLine(line);
                if (line.Contains("evaluating candidate 0", StringComparison.Ordinal))
                {
                    using var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                    kill.WaitForExit();
                    break;
                }
            }

            var exited = process.WaitForExit(TimeSpan.FromMinutes(2));
            Assert.True(exited, $"still running 2 minutes after SIGINT: {log}");
            log.Append(await process.StandardError.ReadToEndAsync());
            await output;
            Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}: {log}");
            Assert.Contains("interrupted: 2 pass(es) cached; rerun resumes from there", log.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            // A run that ignored the signal must not outlive the test (its latency metric would run for days).
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [GeneratedRegex(@"^\[\d\d:\d\d:\d\d\] ")]
    private static partial Regex Timestamp();

    private string Recipe(string metric, string userConfig) => _dir.File("cls.yaml", $$$"""
        workflow_id: cls_progress
        input_model: {type: ONNXModel, model_path: "{{{RealModels.OcrClassifier}}}"}
        data_configs:
          - name: photos
            load_dataset_config: {type: image_folder, params: {data_dir: photos}}
            pre_process_data_config: {type: image_transform, params: {resize: [48, 192], mean: [0.5], std: [0.5]}}
        evaluators:
          e:
            metrics:
              - {name: {{{metric}}}, type: {{{metric}}}, data_config: photos, user_config: {{{userConfig}}}, sub_types: [{name: {{{(metric == "latency" ? "p50" : "cosine")}}}}]}
        evaluator: e
        evaluate_input_model: false
        passes:
          batch_one: {type: DynamicToFixedShape, dim_param: [p2o.DynamicDimension.0, p2o.DynamicDimension.1, p2o.DynamicDimension.2], dim_value: [1, 48, 192]}
          quantize: {type: OnnxStaticQuantization, data_config: photos}
        cache_dir: cache
        output_dir: out
        """);
}
