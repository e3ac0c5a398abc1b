using System.Diagnostics;
using System.Security.Cryptography;

namespace OliveNet.Passes.Tests;

/// <summary>
/// Fixtures made by Python scripts under <c>tests/fixtures/</c> with Debian's <c>/usr/bin/python3</c>, cached by the
/// scripts' content hash in <c>~/.cache/olivenet/fixtures/</c> (or <c>$OLIVENET_CACHE/fixtures</c>): the script writes to a
/// temp path beside the target, which is then renamed, so a killed run never leaves a half-written fixture behind.
/// </summary>
internal static class ScriptFixtures
{
    /// <summary>Debian's Python, which has torch, numpy and PIL (the pyenv python3 on PATH does not).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>
    /// Returns <c>fixtures/&lt;name&gt;-&lt;hash&gt;&lt;suffix&gt;</c>, running <c>python scripts[0] &lt;temp&gt;</c> first when it
    /// is missing. An empty <paramref name="suffix"/> means the script writes a folder, otherwise a file.
    /// </summary>
    /// <param name="name">Fixture name, the prefix of the cached path.</param>
    /// <param name="suffix">File extension of a file fixture (e.g. <c>.onnx</c>), or empty for a folder.</param>
    /// <param name="scripts">The script to run first, then any modules it imports; all of them make the hash.</param>
    /// <param name="checkTools">Asserts the script's prerequisites, saying how to install them; run only when building.</param>
    /// <param name="complete">Whether the temp output is complete (beyond a zero exit code).</param>
    public static string Produce(string name, string suffix, IReadOnlyList<string> scripts, Action checkTools, Func<string, bool> complete)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(scripts.SelectMany(File.ReadAllBytes).ToArray()))[..16];
        var root = Environment.GetEnvironmentVariable("OLIVENET_CACHE") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "olivenet");
        var folder = Path.Combine(root, "fixtures");
        var target = Path.Combine(folder, $"{name}-{hash}{suffix}");
        var isFile = suffix.Length > 0;
        if (isFile ? File.Exists(target) : Directory.Exists(target))
        {
            return target;
        }

        Directory.CreateDirectory(folder);
        checkTools();
        var temp = Path.Combine(folder, $".tmp-{name}-{hash}-{Environment.ProcessId}-{Guid.NewGuid():N}{suffix}");
        try
        {
            var (exit, output) = Run(Python, [scripts[0], temp]);
            Assert.True(exit == 0 && complete(temp), $"{Python} {scripts[0]} failed ({exit}): {output}");
            if (isFile)
            {
                File.Move(temp, target, overwrite: true);
            }
            else
            {
                try
                {
                    Directory.Move(temp, target);
                }
                catch (IOException) when (Directory.Exists(target))
                {
                    // Another test process built the same scripts first; its output is identical.
                }
            }
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
            else if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }

        return target;
    }

    /// <summary>Runs a process to the end; its exit code and its stdout followed by stderr.</summary>
    public static (int ExitCode, string Output) Run(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }
}
