using System.Text.RegularExpressions;
using OliveNet.Runtime.Generation;

namespace OliveNet.Cli.Tests.Export;

/// <summary>
/// <c>olivenet generate</c> on the KJV model exported by its recipe (<c>olivenet run pipelines/kjv-llama-int4-cpu.yaml</c>):
/// the greedy text is byte-identical to the argmax continuation of full-sequence forwards of the same model, and reads
/// like English, greedy and sampled (most words are words of the King James Bible).
/// </summary>
public sealed partial class KjvGenerateTests : IDisposable
{
    private const string Prompt = "And God said";
    private const int Tokens = 48;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Greedy_generation_from_the_exported_kjv_model_is_the_full_forward_argmax_and_english_looking()
    {
        var pipeline = Path.Combine(HfCheckpointRunTests.RepoRoot(), "pipelines", "kjv-llama-int4-cpu.yaml");
        var output = Path.Combine(_dir.Path, "out");
        var run = CliRunner.Run("run", pipeline, "--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={output}");
        Assert.True(run.Exit == 0, run.Err);

        var (exit, stdout, stderr) = CliRunner.Run("generate", output, "--prompt", Prompt, "--max-tokens", $"{Tokens}", "--threads", "1");
        Assert.True(exit == 0, stderr);
        Assert.Matches(@"decode: \d+ tokens in [\d.]+ ms \([\d.]+ tokens/s\)", stderr);

        // The same continuation from full-sequence forwards (empty cache each step), decoded by the model's tokenizer.
        using var model = LanguageModel.Load(output);
        var tokenizer = model.Tokenizer!;
        var ids = tokenizer.Encode(Prompt, addSpecialTokens: true).ToList();
        var generated = new List<int>();
        var vocab = model.Config.VocabSize;
        while (generated.Count < Tokens)
        {
            var logits = model.ForwardAll(ids);
            var next = ArgMax(logits.AsSpan(logits.Length - vocab, vocab)); // the last row: the export prunes logits to it
            generated.Add(next);
            ids.Add(next);
            if (model.Config.EosTokenIds.Contains(next))
            {
                break;
            }
        }

        var expected = tokenizer.Decode([.. generated], skipSpecialTokens: true) + Environment.NewLine;
        Assert.Equal(expected, stdout);

        // English-looking, greedy and sampled: no broken UTF-8 (the stream decoder emits U+FFFD for it), mostly letters
        // and spaces, and real words, not letter soup — most are words of the King James Bible (Debian's bible-kjv, the
        // training text). Greedy text from a small model loops, so the variety check is on the sampled text.
        var known = KjvWords();
        var sampled = CliRunner.Run("generate", output, "--prompt", Prompt, "--max-tokens", "80", "--temperature", "0.8", "--seed", "1", "--threads", "1");
        Assert.True(sampled.Exit == 0, sampled.Err);
        foreach (var text in new[] { stdout.TrimEnd(), sampled.Out.TrimEnd() })
        {
            Assert.DoesNotContain('\uFFFD', text);
            var lettersAndSpaces = text.Count(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or ' ');
            Assert.True(lettersAndSpaces >= 0.8 * text.Length, $"only {lettersAndSpaces}/{text.Length} letters and spaces in: {text}");
            var words = Word().Matches(text).Select(m => m.Value.ToLowerInvariant()).ToList();
            var real = words.Count(known.Contains);
            Assert.True(words.Count >= 3 && real >= 0.8 * words.Count, $"only {real} of {words.Count} words are KJV words in: {text}");
        }

        Assert.True(Word().Matches(sampled.Out).Select(m => m.Value.ToLowerInvariant()).Distinct().Count() >= 8, $"little variety in: {sampled.Out}");
    }

    private static HashSet<string> KjvWords()
    {
        var start = new System.Diagnostics.ProcessStartInfo("bible", "-f Gen1:1-Rev22:21") { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("bible did not start (apt-get install -y bible-kjv)");
        var words = Word().Matches(process.StandardOutput.ReadToEnd()).Select(m => m.Value.ToLowerInvariant()).ToHashSet();
        process.WaitForExit();
        return words;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
    }

    [GeneratedRegex(@"\b[A-Za-z]{3,}\b")]
    private static partial Regex Word();
}
