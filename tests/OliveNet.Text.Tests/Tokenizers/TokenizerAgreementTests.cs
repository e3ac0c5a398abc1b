using OliveNet.Text.Tokenizers;

namespace OliveNet.Text.Tests.Tokenizers;

/// <summary>Our ids against Hugging Face tokenizers on real text (1.2 MB of KJV, 1 MB of the Brown corpus, the multilingual sample), line by line, for real tokenizer files.</summary>
public sealed class TokenizerAgreementTests
{
    public static TheoryData<string> Texts => ["kjv", "brown", "multilingual"];

    [Theory]
    [MemberData(nameof(Texts))]
    public void Qwen3_ids_equal_the_reference_on_every_line(string text) =>
        AssertAgreement(Tokenizer.Load(TokenizerFixtures.Qwen3Json), TokenizerFixtures.Qwen3Json, TextPath(text));

    [Theory]
    [MemberData(nameof(Texts))]
    public void Llama3_ids_equal_the_reference_on_every_line(string text) =>
        AssertAgreement(Tokenizer.Load(TokenizerFixtures.Llama3Json), TokenizerFixtures.Llama3Json, TextPath(text));

    [Theory]
    [MemberData(nameof(Texts))]
    public void Gpt2_from_the_original_files_equals_the_reference_on_every_line(string text)
    {
        var (encoder, bpe) = TokenizerFixtures.Gpt2Files;
        AssertAgreement(Tokenizer.FromGpt2Files(encoder, bpe), TokenizerFixtures.Gpt2Json, TextPath(text));
    }

    [Fact]
    public void Gpt2_loaded_from_tokenizer_json_with_string_merges_equals_the_reference()
    {
        var json = TokenizerFixtures.Gpt2Json;
        AssertAgreement(Tokenizer.Load(json), json, TokenizerFixtures.MultilingualText);
    }

    [Fact]
    public void A_template_post_processor_adds_begin_of_text_like_the_reference()
    {
        // The official Llama 3 file uses TemplateProcessing to prepend <|begin_of_text|>; this package uses
        // ByteLevel, so splice the official template into a copy.
        var json = File.ReadAllText(TokenizerFixtures.Llama3Json);
        var template = """
            {"type":"Sequence","processors":[{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":true},
            {"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],
            "pair":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"<|begin_of_text|>","type_id":1}},{"Sequence":{"id":"B","type_id":1}}],
            "special_tokens":{"<|begin_of_text|>":{"id":"<|begin_of_text|>","ids":[128000],"tokens":["<|begin_of_text|>"]}}}]}
            """;
        var original = "\"post_processor\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":false,\"use_regex\":true}";
        var compact = System.Text.Json.Nodes.JsonNode.Parse(json)!.ToJsonString();
        Assert.Contains(original, compact, StringComparison.Ordinal);
        var path = TokenizerFixtures.TempFile("llama3-template.json");
        File.WriteAllText(path, compact.Replace(original, "\"post_processor\":" + template.ReplaceLineEndings(""), StringComparison.Ordinal));

        var tokenizer = Tokenizer.Load(path);
        var expected = TokenizerFixtures.ReferenceIds(path, TokenizerFixtures.MultilingualText, addSpecialTokens: true);
        var lines = TokenizerFixtures.Lines(TokenizerFixtures.MultilingualText);
        for (var i = 0; i < lines.Length; i++)
        {
            Assert.Equal(expected[i], tokenizer.Encode(lines[i], addSpecialTokens: true));
        }

        Assert.Equal(128000, tokenizer.Encode("Hi", addSpecialTokens: true)[0]);
        Assert.NotEqual(128000, tokenizer.Encode("Hi")[0]);
    }

    private static string TextPath(string name)
    {
        var path = TokenizerFixtures.TextPath(name);
        Assert.True(name == "multilingual" || new FileInfo(path).Length >= 1_000_000, $"the {name} sample must be at least 1 MB");
        return path;
    }

    internal static void AssertAgreement(Tokenizer tokenizer, string referenceJson, string textPath)
    {
        var lines = TokenizerFixtures.Lines(textPath);
        var expected = TokenizerFixtures.ReferenceIds(referenceJson, textPath);
        Assert.Equal(lines.Length, expected.Length);
        var mismatches = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var ids = tokenizer.Encode(lines[i]);
            if (!ids.AsSpan().SequenceEqual(expected[i]))
            {
                mismatches.Add($"line {i + 1} '{lines[i]}':\n  ours [{string.Join(',', ids)}]\n  ref  [{string.Join(',', expected[i])}]");
            }
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count}/{lines.Length} lines differ from the reference:\n{string.Join('\n', mismatches.Take(5))}");
    }
}
