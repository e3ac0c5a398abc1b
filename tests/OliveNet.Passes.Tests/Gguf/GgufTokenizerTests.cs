using OliveNet.Passes.Gguf;
using OliveNet.Text.Tests.Tokenizers;
using OliveNet.Text.Tokenizers;

namespace OliveNet.Passes.Tests.Gguf;

/// <summary>
/// The vocabulary GgufExport writes, tokenized by llama.cpp (LLamaSharp, vocab-only load), gives the same ids as
/// OliveNet's tokenizer on over a megabyte of real text: byte-level BPE (Qwen3's tokenizer.json: model gpt2,
/// pre-tokenizer qwen2, 151k merges; Llama 3: llama-bpe) and SentencePiece BPE with byte fallback (Llama 2: model
/// llama, scores from the merge ranks, byte tokens, space prefix; Gemma 3: no space prefix).
/// </summary>
public sealed class GgufTokenizerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string, string> Cases => new()
    {
        { "qwen3", "kjv" }, { "qwen3", "brown" }, { "llama2", "kjv" }, { "llama2", "brown" }, { "llama3", "kjv" }, { "gemma3", "kjv" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Llama_cpp_tokenizes_the_exported_vocabulary_exactly_as_olivenet_does(string tokenizer, string corpus)
    {
        var json = tokenizer switch
        {
            "qwen3" => TokenizerFixtures.Qwen3Json,
            "llama3" => TokenizerFixtures.Llama3Json,
            "gemma3" => TokenizerFixtures.Gemma3Json,
            _ => TokenizerFixtures.Llama2Json,
        };
        var text = File.ReadAllText(corpus == "kjv" ? TokenizerFixtures.KjvGenesisToSamuel : TokenizerFixtures.Brown);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(text) >= 1_000_000);

        using var temp = new TempFolder();
        File.Copy(json, Path.Combine(temp.Path, "tokenizer.json"));
        var vocabulary = GgufVocabulary.Load(temp.Path, 0, []);
        var path = Path.Combine(temp.Path, "vocab.gguf");
        var writer = new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("llama.context_length", 4096u)
            .Add("llama.embedding_length", 64u)
            .Add("llama.block_count", 1u)
            .Add("llama.feed_forward_length", 128u)
            .Add("llama.attention.head_count", 1u)
            .Add("llama.attention.layer_norm_rms_epsilon", 1e-6f);
        vocabulary.WriteTo(writer);
        writer.Write(path);

        using var model = new LlamaCppModel(path, vocabOnly: true);
        var expected = Tokenizer.Load(json).Encode(text);
        var actual = model.Tokenize(text);
        output.WriteLine($"{tokenizer} ({vocabulary.Model}, pre {vocabulary.Pre}) on {corpus}: {text.Length} chars → ours {expected.Length} ids, llama.cpp {actual.Length} ids");
        var first = Enumerable.Range(0, Math.Min(expected.Length, actual.Length)).FirstOrDefault(i => expected[i] != actual[i], -1);
        Assert.True(
            first < 0 && expected.Length == actual.Length,
            first < 0 ? $"lengths differ: ours {expected.Length}, llama.cpp {actual.Length}"
                : $"first difference at id {first}: ours [{string.Join(' ', expected.Skip(Math.Max(0, first - 3)).Take(8))}], llama.cpp [{string.Join(' ', actual.Skip(Math.Max(0, first - 3)).Take(8))}]");
    }
}
