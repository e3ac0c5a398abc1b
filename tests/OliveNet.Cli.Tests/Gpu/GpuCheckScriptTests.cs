using System.Diagnostics;

namespace OliveNet.Cli.Tests.Gpu;

/// <summary>bench/gpu/check.sh cannot run on a machine without an NVIDIA GPU; there it must refuse in one clear line
/// before building anything. PATH is emptied so the test means the same on a machine that has a GPU.</summary>
public class GpuCheckScriptTests
{
    [Fact]
    public void Without_a_gpu_driver_the_check_refuses_in_one_line_naming_what_is_missing()
    {
        var script = Path.Combine(RepoRoot(), "bench", "gpu", "check.sh");
        var start = new ProcessStartInfo("/bin/bash", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["PATH"] = "/nonexistent";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(30_000));

        Assert.Equal(3, process.ExitCode);
        Assert.Equal(string.Empty, stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("bench/gpu/check.sh: cannot run here: no nvidia-smi on PATH", line, StringComparison.Ordinal);
        Assert.Contains("CUDA 13 and cuDNN 9", line, StringComparison.Ordinal);
    }

    [Fact]
    public void The_gpu_recipes_the_check_runs_are_valid_recipes_that_target_cuda()
    {
        foreach (var recipe in new[] { "fusion-fp16-int4.yaml", "search-cuda.yaml" })
        {
            var path = Path.Combine(RepoRoot(), "bench", "gpu", recipe);
            var result = CliRunner.Run("validate", path);
            Assert.True(result.Exit == 0, $"{recipe}: {result.Err}{result.Out}");
            Assert.Contains("CUDAExecutionProvider", File.ReadAllText(path), StringComparison.Ordinal);
        }
    }

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
