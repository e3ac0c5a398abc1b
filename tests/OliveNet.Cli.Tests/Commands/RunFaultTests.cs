using System.Diagnostics;
using System.Text.Json;

namespace OliveNet.Cli.Tests.Commands;

/// <summary>Runs of the real <c>olivenet</c> process: killed mid-run, and two at once on one cache.</summary>
public sealed class RunFaultTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Runs_killed_at_any_point_leave_nothing_a_later_run_trusts_and_the_rerun_gives_the_same_bytes()
    {
        var reference = Start("ref-cache", "ref-out");
        reference.WaitForExit();
        Assert.Equal(0, reference.ExitCode);

        // Kill runs on one cache at spread-out moments: during start-up, inside passes, while publishing.
        foreach (var delayMs in new[] { 150, 300, 450, 600, 750, 900, 1100, 1400 })
        {
            using var victim = Start("cache", "out");
            Thread.Sleep(delayMs);
            if (!victim.HasExited)
            {
                victim.Kill(entireProcessTree: true);
            }

            victim.WaitForExit();
        }

        using var rerun = Start("cache", "out");
        rerun.WaitForExit();
        Assert.Equal(0, rerun.ExitCode);
        foreach (var file in new[] { "model.onnx", "model.onnx.data", "manifest.json", "footprint.json", "model_config.json" })
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(_dir.Path, "ref-out", file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(_dir.Path, "out", file))),
                $"{file} differs from an uninterrupted run");
        }

        var (exit, stdout, _) = CliRunner.Run("cache", "verify", "--cache-dir", Path.Combine(_dir.Path, "cache"));
        Assert.Equal(0, exit);
        Assert.DoesNotContain("DAMAGED", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_runs_at_once_on_one_cache_both_succeed_and_each_pass_runs_once()
    {
        using var a = Start("cache", "out-a", json: true);
        using var b = Start("cache", "out-b", json: true);
        var outA = a.StandardOutput.ReadToEndAsync();
        var outB = b.StandardOutput.ReadToEndAsync();
        await a.WaitForExitAsync();
        await b.WaitForExitAsync();

        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, $"exit codes {a.ExitCode}, {b.ExitCode}");
        var runsA = JsonDocument.Parse(await outA).RootElement.GetProperty("passes").EnumerateArray().ToList();
        var runsB = JsonDocument.Parse(await outB).RootElement.GetProperty("passes").EnumerateArray().ToList();
        for (var i = 0; i < runsA.Count; i++)
        {
            var misses = (runsA[i].GetProperty("cache_hit").GetBoolean() ? 0 : 1) + (runsB[i].GetProperty("cache_hit").GetBoolean() ? 0 : 1);
            Assert.Equal(1, misses);
        }

        Assert.Equal(
            File.ReadAllBytes(Path.Combine(_dir.Path, "out-a", "model.onnx")),
            File.ReadAllBytes(Path.Combine(_dir.Path, "out-b", "model.onnx")));
    }

    private Process Start(string cache, string output, bool json = false)
    {
        var recipe = _dir.File("recipe.yaml", $"""
            workflow_id: faults
            input_model: {"{"}type: ONNXModel, model_path: "{RealModels.OcrRecognizer}"{"}"}
            passes:
              cleanup: {"{"}type: OnnxPeepholeOptimizer{"}"}
              batch_one: {"{"}type: DynamicToFixedShape, dim_param: [p2o.DynamicDimension.0], dim_value: [1]{"}"}
              fusion: {"{"}type: OrtTransformersOptimization, opt_level: 2{"}"}
            """);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "olivenet.dll"), "run", recipe, "--set", $"cache_dir={Path.Combine(_dir.Path, cache)}", "--set", $"output_dir={Path.Combine(_dir.Path, output)}" })
        {
            start.ArgumentList.Add(arg);
        }

        if (json)
        {
            start.ArgumentList.Add("--json");
        }

        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        if (!json)
        {
            process.OutputDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
        }

        return process;
    }
}
