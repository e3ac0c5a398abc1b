using OliveNet.Passes.Gguf;
using OliveNet.Passes.Tests.Export;
using OliveNet.Text.Tests.Tokenizers;

namespace OliveNet.Passes.Tests.Gguf;

/// <summary>The Ollama Modelfile beside the GGUF, and byte-identical re-exports.</summary>
public sealed class OllamaModelfileTests
{
    [Fact]
    public void The_modelfile_names_the_gguf_the_stop_tokens_and_the_context()
    {
        using var temp = new TempFolder();
        GgufExportPass.Export(KjvPerplexityTests.Checkpoint, temp.Path, "Q8_0", 0, TextWriter.Null, default);

        var lines = File.ReadAllLines(Path.Combine(temp.Path, OllamaModelfile.FileName));
        Assert.Contains("FROM ./model.gguf", lines);
        Assert.Contains("PARAMETER stop \"<|eos|>\"", lines); // tokenizer_config.json eos_token
        Assert.Contains("PARAMETER num_ctx 128", lines); // max_position_embeddings 128 < 4096
        Assert.DoesNotContain(lines, l => l.StartsWith("TEMPLATE", StringComparison.Ordinal)); // the KJV model has no chat template
        Assert.True(File.Exists(Path.Combine(temp.Path, "tokenizer.json")));
    }

    [Fact]
    public void Qwen3s_chat_template_becomes_a_chatml_go_template_with_its_end_of_turn_stop()
    {
        using var temp = new TempFolder();
        var package = Path.GetDirectoryName(TokenizerFixtures.Qwen3Json)!;
        File.Copy(TokenizerFixtures.Qwen3Json, Path.Combine(temp.Path, "tokenizer.json"));
        File.Copy(Path.Combine(package, "tokenizer_config.json"), Path.Combine(temp.Path, "tokenizer_config.json"));
        var vocabulary = GgufVocabulary.Load(temp.Path, 0, []);
        Assert.NotNull(vocabulary.ChatTemplate);

        OllamaModelfile.Write(temp.Path, "model.gguf", vocabulary, 4096, TextWriter.Null);
        var text = File.ReadAllText(Path.Combine(temp.Path, OllamaModelfile.FileName));
        Assert.Contains("TEMPLATE \"\"\"{{- range .Messages }}<|im_start|>{{ .Role }}", text, StringComparison.Ordinal);
        Assert.Contains("PARAMETER stop \"<|im_end|>\"", text, StringComparison.Ordinal);
        Assert.Equal("gpt2", vocabulary.Model);
        Assert.Equal("qwen2", vocabulary.Pre);
    }

    [Theory]
    [InlineData("Q4_K_M")]
    [InlineData("F16")]
    public void The_same_checkpoint_and_format_give_byte_identical_files(string format)
    {
        using var temp = new TempFolder();
        GgufExportPass.Export(HfFixtures.Checkpoint("qwen3"), temp.Sub("a"), format, 0, TextWriter.Null, default);
        GgufExportPass.Export(HfFixtures.Checkpoint("qwen3"), temp.Sub("b"), format, 0, TextWriter.Null, default);
        PassRunner.AssertSameFiles(temp.Sub("a"), temp.Sub("b"));
    }
}
