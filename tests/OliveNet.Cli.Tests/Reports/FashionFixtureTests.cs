using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace OliveNet.Cli.Tests.Reports;

/// <summary>
/// tests/fixtures/mnist/train_fashion.py, run with Debian's PyTorch and cached in
/// <c>~/.cache/olivenet/fixtures/fashion-mnist-&lt;script hash&gt;/</c> (the script writes a temp folder and renames it).
/// </summary>
public sealed class FashionFixtureTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public void The_training_script_exports_a_classifier_whose_onnx_accuracy_matches_pytorchs()
    {
        var folder = Fixture();
        var accuracy = FashionMnistTests.CountCorrect(Path.Combine(folder, "model.onnx"), 10_000) / 10_000.0;
        using var training = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "training.json")));
        var torch = training.RootElement.GetProperty("test_accuracy").GetDouble();

        Assert.True(accuracy > 0.8, $"ONNX accuracy {accuracy} on the 10000 test images");
        // PyTorch measured the same 10000 images (rounded to 4 decimals); ONNX Runtime's kernels round differently and
        // may flip near-ties: 10 images (0.001) allowed, plus the 0.00005 of the rounding.
        Assert.Equal(torch, accuracy, 0.00105);
    }

    /// <summary>The fixture folder, produced by the script on first use.</summary>
    private static string Fixture()
    {
        var script = Path.Combine(Root(), "tests", "fixtures", "mnist", "train_fashion.py");
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(script)))[..16];
        var cache = Environment.GetEnvironmentVariable("OLIVENET_CACHE") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "olivenet");
        var folder = Path.Combine(cache, "fixtures", $"fashion-mnist-{hash}");
        if (File.Exists(Path.Combine(folder, "model.onnx")))
        {
            return folder;
        }

        Assert.True(File.Exists(Python), $"{script} needs Debian's Python with PyTorch: apt-get install -y python3-torch");
        var start = new ProcessStartInfo(Python, [script, folder]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{Python} {script} failed ({process.ExitCode}): {output}{error.Result}");
        return folder;
    }

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("OliveNet.sln not found above the test binaries");
    }
}
