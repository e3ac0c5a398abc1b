using System.Diagnostics;
using System.Security.Cryptography;

namespace OliveNet.Passes.Tests.Quantization.Dynamic;

/// <summary>
/// Models exported by the scripts in <c>tests/fixtures/torch/</c> with Debian's PyTorch, cached by the script's hash in
/// <c>~/.cache/olivenet/fixtures/</c>. Never skips: without python3-torch the test fails saying how to install it.
/// </summary>
internal static class TorchFixtures
{
    private const string Python = "/usr/bin/python3";
    private static readonly Lazy<string> LazyEncoder = new(() => Export("export_encoder.py", "encoder"));
    private static readonly Lazy<string> LazyDecoder = new(() => Export("export_decoder.py", "decoder"));

    /// <summary>The BERT-like encoder (4 layers, hidden 256): <c>input_ids</c> int64 [batch, sequence] → <c>last_hidden_state</c>.</summary>
    public static string Encoder => LazyEncoder.Value;

    /// <summary>The GPT-2-style decoder (4 layers, hidden 256, vocab 2048): <c>input_ids</c> int64 [batch, sequence] → <c>logits</c>.</summary>
    public static string Decoder => LazyDecoder.Value;

    private static string Export(string script, string name)
    {
        var scriptPath = Path.Combine(TestModels.RepoRoot(), "tests", "fixtures", "torch", script);
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(scriptPath)))[..16];
        var root = Environment.GetEnvironmentVariable("OLIVENET_CACHE") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "olivenet");
        var folder = Path.Combine(root, "fixtures");
        var target = Path.Combine(folder, $"{name}-{hash}.onnx");
        if (File.Exists(target))
        {
            return target;
        }

        Directory.CreateDirectory(folder);
        Assert.True(
            File.Exists(Python) && Run(Python, ["-c", "import torch"]).ExitCode == 0,
            $"{script} needs Debian's PyTorch for {Python}; install it with: apt-get install -y python3-torch");

        // Written beside the target, then renamed: a killed export never leaves a half-written fixture behind.
        var temp = Path.Combine(folder, $".tmp-{name}-{hash}-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        try
        {
            var (exit, output) = Run(Python, [scriptPath, temp]);
            Assert.True(exit == 0 && File.Exists(temp), $"{Python} {scriptPath} failed ({exit}): {output}");
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
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
