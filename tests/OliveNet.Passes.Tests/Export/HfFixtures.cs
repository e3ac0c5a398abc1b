using System.Text.Json.Nodes;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// The tiny Hugging Face checkpoints written by <c>tests/fixtures/hf/make_checkpoints.py</c> with Debian's PyTorch,
/// cached by the scripts' hash in <c>~/.cache/olivenet/fixtures/hf-&lt;hash&gt;/</c> (temp dir + rename). Never skips.
/// </summary>
internal static class HfFixtures
{
    private static readonly Lazy<string> LazyRoot = new(Generate);

    /// <summary>The checkpoint folder of one architecture fixture (llama, qwen2, qwen3, mistral, phi3, gemma3; the vision-language wrappers qwen3_vl, qwen2_5_vl, gemma3_vl, mistral3; whisper).</summary>
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

    private static string Generate() => ScriptFixtures.Produce(
        "hf",
        string.Empty,
        new[] { "make_checkpoints.py", "hfcommon.py", "whisper.py" }.Select(s => Path.Combine(ScriptFolder, s)).ToArray(),
        () => Assert.True(File.Exists(ScriptFixtures.Python), $"make_checkpoints.py needs Debian's PyTorch for {ScriptFixtures.Python}; install it with: apt-get install -y python3-torch"),
        Directory.Exists);
}
