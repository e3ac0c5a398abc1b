using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// The tiny Hugging Face checkpoints written by <c>tests/fixtures/hf/make_checkpoints.py</c> with Debian's PyTorch,
/// cached by the scripts' hash in <c>~/.cache/olivenet/fixtures/hf-&lt;hash&gt;/</c> (temp dir + rename). Never skips.
/// </summary>
internal static class HfFixtures
{
    private const string Python = "/usr/bin/python3";
    private static readonly Lazy<string> LazyRoot = new(Generate);

    /// <summary>The checkpoint folder of one architecture fixture (llama, qwen2, qwen3, mistral, phi3, gemma3).</summary>
    public static string Checkpoint(string name) => Path.Combine(LazyRoot.Value, name);

    /// <summary>The fixture's token ids and float64-forward reference logits [tokens, vocab].</summary>
    public static (long[] Ids, float[] Logits, int Vocab) Reference(string name)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Checkpoint(name), "reference.json")))!;
        var ids = json["input_ids"]!.AsArray().Select(v => v!.GetValue<long>()).ToArray();
        var logits = json["logits"]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray();
        return (ids, logits, json["vocab_size"]!.GetValue<int>());
    }

    /// <summary>Reference logits of the first 12 tokens alone [12, vocab] (inside Phi-3's original context).</summary>
    public static float[] ShortReference(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Checkpoint(name), "reference.json")))!["short_logits"]!.AsArray()
            .Select(v => (float)v!.GetValue<double>()).ToArray();

    /// <summary>The folder of the fixture scripts.</summary>
    public static string ScriptFolder => Path.Combine(TestModels.RepoRoot(), "tests", "fixtures", "hf");

    private static string Generate()
    {
        var scripts = new[] { "make_checkpoints.py", "hfcommon.py" }.Select(s => Path.Combine(ScriptFolder, s)).ToArray();
        var hash = Convert.ToHexStringLower(SHA256.HashData(scripts.SelectMany(File.ReadAllBytes).ToArray()))[..16];
        var root = Environment.GetEnvironmentVariable("OLIVENET_CACHE") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "olivenet");
        var target = Path.Combine(root, "fixtures", $"hf-{hash}");
        if (Directory.Exists(target))
        {
            return target;
        }

        Assert.True(File.Exists(Python), $"make_checkpoints.py needs Debian's PyTorch for {Python}; install it with: apt-get install -y python3-torch");
        var temp = Path.Combine(root, "fixtures", $".tmp-hf-{hash}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            var psi = new ProcessStartInfo(Python, [scripts[0], temp]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{Python} {scripts[0]} failed ({p.ExitCode}): {stdout}{stderr.Result}");
            try
            {
                Directory.Move(temp, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another test process finished first; its copy is identical.
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
}
