using System.Text.Json;
using OliveNet.Text.Tokenizers.Normalization;
using OliveNet.Text.Tokenizers.PreTokenizers;

namespace OliveNet.Text.Tokenizers;

public sealed partial class Tokenizer
{
    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> whose model is BPE (byte-level or SentencePiece-style).</summary>
    /// <exception cref="TokenizerException">The file is missing or malformed, or uses a component not supported yet;
    /// the message names the file and the JSON path.</exception>
    public static Tokenizer Load(string tokenizerJsonPath)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJsonPath);
        if (!File.Exists(tokenizerJsonPath))
        {
            throw new TokenizerException($"Tokenizer file not found: {tokenizerJsonPath}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath), new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new TokenizerException($"{tokenizerJsonPath}: not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var reader = new TokenizerJsonReader(tokenizerJsonPath);
            var root = document.RootElement;
            var modelElement = root.TryGetProperty("model", out var m) ? m : throw reader.Error("model", "is missing");
            var decoder = reader.ReadDecoder(Property(root, "decoder"), "decoder");
            var model = reader.ReadModel(modelElement, decoder);
            var addedTokens = reader.ReadAddedTokens(root);
            var normalizer = new TextNormalizer();
            reader.ReadNormalizer(Property(root, "normalizer"), "normalizer", normalizer);
            var preTokenizers = new List<IPreTokenizer>();
            reader.ReadPreTokenizer(Property(root, "pre_tokenizer"), "pre_tokenizer", preTokenizers, normalizer);
            if (decoder.ByteLevel && (preTokenizers.Count == 0 || preTokenizers[^1] is not ByteLevelPreTokenizer))
            {
                throw reader.Error("pre_tokenizer", "must end with ByteLevel when the decoder is ByteLevel");
            }

            var prefix = new List<int>();
            var suffix = new List<int>();
            reader.ReadPostProcessor(Property(root, "post_processor"), "post_processor", model.Vocab, addedTokens, prefix, suffix);
            return new Tokenizer(model, addedTokens, normalizer, preTokenizers, decoder, [.. prefix], [.. suffix]);
        }
    }

    /// <summary>
    /// Builds the original GPT-2 tokenizer from OpenAI's <c>encoder.json</c> (token → id) and <c>vocab.bpe</c>
    /// (merges, one "a b" per line after a version header): GPT-2 regex, no normalizer, <c>&lt;|endoftext|&gt;</c>
    /// as a special added token when present.
    /// </summary>
    /// <exception cref="TokenizerException">A file is missing or malformed.</exception>
    public static Tokenizer FromGpt2Files(string encoderJsonPath, string vocabBpePath)
    {
        ArgumentNullException.ThrowIfNull(encoderJsonPath);
        ArgumentNullException.ThrowIfNull(vocabBpePath);
        foreach (var path in new[] { encoderJsonPath, vocabBpePath })
        {
            if (!File.Exists(path))
            {
                throw new TokenizerException($"GPT-2 tokenizer file not found: {path}");
            }
        }

        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(encoderJsonPath))
                ?? throw new TokenizerException($"{encoderJsonPath}: expected a JSON object of token → id");
        }
        catch (JsonException e)
        {
            throw new TokenizerException($"{encoderJsonPath}: expected a JSON object of token → id ({e.Message})", e);
        }

        var merges = new List<(string, string)>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(vocabBpePath))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
            {
                throw new TokenizerException($"{vocabBpePath}:{lineNumber}: expected a merge 'left right', got '{line}'");
            }

            merges.Add((line[..space], line[(space + 1)..]));
        }

        var addedTokens = vocab.TryGetValue("<|endoftext|>", out var eot) ? new List<AddedToken> { new(eot, "<|endoftext|>", true) } : [];
        var model = new BytePairModel(vocab, merges, ignoreMerges: false, vocabBpePath);
        return new Tokenizer(model, addedTokens, new TextNormalizer(), [new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true)], TokenDecoder.ByteLevelDecoder, [], []);
    }

    private static JsonElement? Property(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
}
