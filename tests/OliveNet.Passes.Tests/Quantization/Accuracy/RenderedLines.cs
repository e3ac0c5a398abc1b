using System.Diagnostics;
using System.Security.Cryptography;

namespace OliveNet.Passes.Tests.Quantization.Accuracy;

/// <summary>
/// Labelled English text lines rendered by <c>tests/fixtures/ocr/render_lines.py</c> with Debian's PIL and DejaVu Sans,
/// preprocessed as PP-OCR rec inputs [1, 3, 48, 320]; cached by the script's hash in <c>~/.cache/olivenet/fixtures/</c>.
/// Never skips: without python3-pil or the font the test fails saying how to install them.
/// </summary>
internal static class RenderedLines
{
    /// <summary>The recognizer input shape each line is rendered to.</summary>
    public static readonly long[] Shape = [1, 3, 48, 320];

    private const string Python = "/usr/bin/python3";
    private const string Font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    private static readonly Lazy<IReadOnlyList<(string Label, float[] Pixels)>> LazyLines = new(Load);

    /// <summary>Every line in script order: its label and its normalized CHW pixels.</summary>
    public static IReadOnlyList<(string Label, float[] Pixels)> Lines => LazyLines.Value;

    private static IReadOnlyList<(string Label, float[] Pixels)> Load()
    {
        var folder = Render();
        var labels = File.ReadAllLines(Path.Combine(folder, "labels.txt"));
        var count = (int)Shape.Aggregate(1L, (a, b) => a * b);
        return labels.Select((label, i) =>
        {
            var bytes = File.ReadAllBytes(Path.Combine(folder, $"line_{i:D2}.f32"));
            Assert.True(bytes.Length == count * sizeof(float), $"line_{i:D2}.f32 holds {bytes.Length} bytes, not {count} floats.");
            return (label, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray());
        }).ToList();
    }

    private static string Render()
    {
        var scriptPath = Path.Combine(TestModels.RepoRoot(), "tests", "fixtures", "ocr", "render_lines.py");
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(scriptPath)))[..16];
        var root = Environment.GetEnvironmentVariable("OLIVENET_CACHE") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "olivenet");
        var fixtures = Path.Combine(root, "fixtures");
        var target = Path.Combine(fixtures, $"ocr-lines-{hash}");
        if (Directory.Exists(target))
        {
            return target;
        }

        Directory.CreateDirectory(fixtures);
        Assert.True(
            File.Exists(Python) && File.Exists(Font) && Run(Python, ["-c", "import PIL"]).ExitCode == 0,
            $"render_lines.py needs PIL for {Python} and {Font}; install them with: apt-get install -y python3-pil fonts-dejavu-core");

        // Rendered beside the target, then renamed: a killed run never leaves a half-written fixture behind.
        var temp = Path.Combine(fixtures, $".tmp-ocr-lines-{hash}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            var (exit, output) = Run(Python, [scriptPath, temp]);
            Assert.True(exit == 0 && File.Exists(Path.Combine(temp, "labels.txt")), $"{Python} {scriptPath} failed ({exit}): {output}");
            try
            {
                Directory.Move(temp, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another test process rendered the same script first; its output is identical.
            }
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }

        return target;
    }

    private static (int ExitCode, string Output) Run(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }
}
