using System.Text;
using OliveNet.Text.Tokenizers;
using OliveNet.Text.Tokenizers.Normalization;

namespace OliveNet.Text.Tests.Tokenizers;

public sealed class TokenizerTests
{
    private static readonly Lazy<Tokenizer> Qwen3 = new(() => Tokenizer.Load(TokenizerFixtures.Qwen3Json));
    private static readonly Lazy<Tokenizer> Llama3 = new(() => Tokenizer.Load(TokenizerFixtures.Llama3Json));

    [Fact]
    public void Decode_of_Encode_returns_every_line_after_NFC()
    {
        var lines = TokenizerFixtures.Lines(TokenizerFixtures.MultilingualText).Concat(TokenizerFixtures.Lines(TokenizerFixtures.KjvGenesis).Take(300));
        foreach (var line in lines)
        {
            Assert.Equal(Nfc.Normalize(line), Decode(Qwen3.Value, line));
            Assert.Equal(line, Decode(Llama3.Value, line));
        }

        // NFC really happened: a decomposed é comes back composed from Qwen3 and unchanged from Llama 3.
        Assert.Equal("caf\u00e9", Decode(Qwen3.Value, "cafe\u0301"));
        Assert.Equal("cafe\u0301", Decode(Llama3.Value, "cafe\u0301"));
    }

    [Fact]
    public void Vocabulary_lookups_cover_the_model_and_the_added_tokens()
    {
        var qwen = Qwen3.Value;
        Assert.Equal(151669, qwen.VocabSize);
        Assert.Equal(151644, qwen.TokenToId("<|im_start|>"));
        Assert.Equal("<|im_start|>", qwen.IdToToken(151644));
        Assert.Equal("Ġthe", qwen.IdToToken(qwen.TokenToId("Ġthe")!.Value));
        Assert.Null(qwen.TokenToId("no such token in any vocabulary"));
        Assert.Null(qwen.IdToToken(-1));
        Assert.Null(qwen.IdToToken(qwen.VocabSize));
        Assert.Equal(128256, Llama3.Value.VocabSize);
    }

    [Fact]
    public void Added_tokens_are_matched_before_pre_tokenization_and_special_ones_can_be_skipped()
    {
        var qwen = Qwen3.Value;
        var ids = qwen.Encode("<|im_start|>user\n<think>hi</think><|im_end|>");
        Assert.Equal(151644, ids[0]);
        Assert.Contains(qwen.TokenToId("<think>")!.Value, ids);
        Assert.Equal(151645, ids[^1]);
        Assert.Equal("user\n<think>hi</think>", qwen.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("<|im_start|>user\n<think>hi</think><|im_end|>", qwen.Decode(ids));
    }

    [Fact]
    public void Ignore_merges_emits_a_pre_token_that_is_in_the_vocabulary_whole()
    {
        // Llama 3 sets ignore_merges: every vocabulary word maps to its own id even if merges would differ.
        var llama = Llama3.Value;
        foreach (var word in new[] { " the", " beginning", "Hello", " tokenizer" })
        {
            var token = string.Concat(Encoding.UTF8.GetBytes(word).Select(b => b == ' ' ? 'Ġ' : (char)b));
            if (llama.TokenToId(token) is { } id)
            {
                Assert.Equal([id], llama.Encode(word));
            }
        }
    }

    [Fact]
    public void Stream_decoder_emits_only_complete_characters_and_matches_Decode()
    {
        var qwen = Qwen3.Value;
        var text = string.Join('\n', TokenizerFixtures.Lines(TokenizerFixtures.MultilingualText));
        var ids = qwen.Encode(text);
        var stream = new TokenStreamDecoder(qwen);
        var pieces = ids.Select(stream.Push).ToList();
        pieces.Add(stream.Flush());
        Assert.Equal(qwen.Decode(ids), string.Concat(pieces));
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD', StringComparison.Ordinal));

        // A rare character spans several byte-level tokens: the first one must not emit half a character.
        var split = new[] { "𠀀", "🫠", "ꙮ", "𝔘" }.First(c => qwen.Decode(qwen.Encode(c).AsSpan(0, 1)).Contains('\uFFFD', StringComparison.Ordinal));
        var ids2 = qwen.Encode(split);
        var partial = new TokenStreamDecoder(qwen);
        Assert.Equal(string.Empty, partial.Push(ids2[0]));
        Assert.Equal(split, string.Concat(ids2.Skip(1).Select(partial.Push)) + partial.Flush());
    }

    [Fact]
    public void Stream_decoder_flushes_an_unfinished_character_as_a_replacement()
    {
        var qwen = Qwen3.Value;
        var first = qwen.Encode("中")[0..1];
        var stream = new TokenStreamDecoder(qwen);
        var emitted = string.Concat(first.Select(stream.Push));
        if (qwen.Encode("中").Length > 1)
        {
            Assert.Equal(string.Empty, emitted);
            Assert.Equal("\uFFFD", stream.Flush());
        }
    }

    [Fact]
    public void Missing_file_is_a_TokenizerException_naming_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir", "tokenizer.json");
        var error = Assert.Throws<TokenizerException>(() => Tokenizer.Load(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"model\":{\"type\":\"Unigram\",\"vocab\":[]}", "model.type 'Unigram' is not supported yet")]
    [InlineData("\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}", "model.type 'WordPiece' is not supported yet")]
    [InlineData("\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Whitespace\"}]}", "pre_tokenizer.pretokenizers[0].type 'Whitespace' is not supported yet")]
    [InlineData("\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Metaspace\"}]}", "pre_tokenizer.pretokenizers[0].replacement is missing")]
    [InlineData("\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"},{\"type\":\"Lowercase\"}]}", "normalizer.normalizers[1].type 'Lowercase' is not supported yet")]
    [InlineData("\"decoder\":{\"type\":\"WordPiece\"}", "decoder.type 'WordPiece' is not supported yet")]
    [InlineData("\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"\\\\s\"},\"behavior\":\"Isolated\"}", "pre_tokenizer must end with ByteLevel")]
    public void Unsupported_components_are_errors_naming_the_json_path(string replacement, string expected)
    {
        var path = TokenizerFixtures.TempFile("tokenizer.json");
        File.WriteAllText(path, MinimalJson(replacement));
        var error = Assert.Throws<TokenizerException>(() => Tokenizer.Load(path));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Minimal_byte_level_file_loads_and_round_trips_without_merges()
    {
        var path = TokenizerFixtures.TempFile("tokenizer.json");
        File.WriteAllText(path, MinimalJson(null));
        var tokenizer = Tokenizer.Load(path);
        var ids = tokenizer.Encode("héllo wörld");
        Assert.Equal(Encoding.UTF8.GetByteCount("héllo wörld"), ids.Length);
        Assert.Equal("héllo wörld", tokenizer.Decode(ids));
    }

    private static string Decode(Tokenizer tokenizer, string text) => tokenizer.Decode(tokenizer.Encode(text));

    // 256 byte-level symbols, no merges; one component replaced by the caller's JSON property.
    private static string MinimalJson(string? replacement)
    {
        var vocab = string.Join(',', Enumerable.Range(0, 256).Select(b => $"{System.Text.Json.JsonSerializer.Serialize(ByteChar(b).ToString())}:{b}"));
        var parts = new Dictionary<string, string>
        {
            ["model"] = $"\"model\":{{\"type\":\"BPE\",\"vocab\":{{{vocab}}},\"merges\":[]}}",
            ["normalizer"] = "\"normalizer\":null",
            ["pre_tokenizer"] = "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":true}",
            ["decoder"] = "\"decoder\":{\"type\":\"ByteLevel\"}",
        };
        if (replacement is not null)
        {
            parts[replacement[1..replacement.IndexOf('"', 1)]] = replacement;
        }

        return "{\"added_tokens\":[]," + string.Join(',', parts.Values) + "}";
    }

    private static char ByteChar(int b)
    {
        var next = 256;
        for (var i = 0; i < 256; i++)
        {
            var printable = (i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || (i >= 0xAE && i <= 0xFF);
            if (i == b)
            {
                return printable ? (char)i : (char)next;
            }

            if (!printable)
            {
                next++;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(b));
    }
}
