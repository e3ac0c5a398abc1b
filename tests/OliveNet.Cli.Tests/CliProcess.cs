using System.Diagnostics;
using System.Text;

namespace OliveNet.Cli.Tests;

/// <summary>
/// Runs the built <c>olivenet</c> as its own process, as a shell would: for what an in-process run cannot show (a
/// terminal, signals, the process environment). Output is captured; <c>CI</c> is removed unless given.
/// </summary>
internal static class CliProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "olivenet.dll");

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    /// <summary>Starts <c>dotnet olivenet.dll args</c> (or <paramref name="file"/> with its own args) with captured output.</summary>
    public static Process Start(IReadOnlyDictionary<string, string?> environment, string? workingDirectory, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? RepoRoot,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.Environment.Remove("CI");
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }

    public static (int Exit, string Out, string Err) Run(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = Start(environment, null, "dotnet", [Dll, .. args]);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"olivenet {string.Join(' ', args)} did not finish in 5 minutes");
        return (process.ExitCode, output.Result, error.Result);
    }
}
