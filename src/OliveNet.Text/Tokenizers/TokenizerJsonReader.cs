using System.Text.Json;
using System.Text.RegularExpressions;
using OliveNet.Text.Tokenizers.Normalization;
using OliveNet.Text.Tokenizers.PreTokenizers;

namespace OliveNet.Text.Tokenizers;

/// <summary>Reads the components of a <c>tokenizer.json</c>; every error names the file and the JSON path.</summary>
internal sealed class TokenizerJsonReader(string file)
{
    public TokenizerException Error(string path, string problem) => new($"{file}: {path} {problem}");

    public IWordModel ReadModel(JsonElement model, TokenDecoder decoder)
    {
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : (model.TryGetProperty("merges", out _) ? "BPE" : null);
        if (type != "BPE")
        {
            throw Error("model.type", $"'{type}' is not supported yet (supported: BPE, byte-level or SentencePiece-style)");
        }

        foreach (var name in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (model.TryGetProperty(name, out var affix) && affix.ValueKind == JsonValueKind.String && affix.GetString()!.Length > 0)
            {
                throw Error($"model.{name}", $"'{affix.GetString()}' is not supported yet (byte-level BPE has none)");
            }
        }

        if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
        {
            throw Error("model.dropout", "is not supported (encoding must be deterministic)");
        }

        if (!model.TryGetProperty("vocab", out var vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
        {
            throw Error("model.vocab", "must be an object of token → id");
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabElement.EnumerateObject())
        {
            vocab[entry.Name] = entry.Value.GetInt32();
        }

        if (!model.TryGetProperty("merges", out var mergesElement) || mergesElement.ValueKind != JsonValueKind.Array)
        {
            throw Error("model.merges", "must be an array");
        }

        var merges = new List<(string, string)>(mergesElement.GetArrayLength());
        var index = 0;
        foreach (var merge in mergesElement.EnumerateArray())
        {
            if (merge.ValueKind == JsonValueKind.String)
            {
                var text = merge.GetString()!;
                var space = text.IndexOf(' ', StringComparison.Ordinal);
                if (space <= 0 || text.IndexOf(' ', space + 1) >= 0)
                {
                    throw Error($"model.merges[{index}]", $"'{text}' is not 'left right'");
                }

                merges.Add((text[..space], text[(space + 1)..]));
            }
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2)
            {
                merges.Add((merge[0].GetString()!, merge[1].GetString()!));
            }
            else
            {
                throw Error($"model.merges[{index}]", "must be \"left right\" or [left, right]");
            }

            index++;
        }

        var ignoreMerges = Flag(model, "ignore_merges", false);
        if (decoder.ByteLevel)
        {
            return new BytePairModel(vocab, merges, ignoreMerges, file);
        }

        var unknown = model.TryGetProperty("unk_token", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        return new SentencePieceBpeModel(vocab, merges, unknown, Flag(model, "byte_fallback", false), Flag(model, "fuse_unk", false), ignoreMerges, file);
    }

    public List<AddedToken> ReadAddedTokens(JsonElement root)
    {
        var tokens = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return tokens;
        }

        var index = 0;
        foreach (var token in array.EnumerateArray())
        {
            if (Flag(token, "single_word", false))
            {
                throw Error($"added_tokens[{index}].single_word", "= true is not supported yet");
            }

            tokens.Add(new AddedToken(token.GetProperty("id").GetInt32(), token.GetProperty("content").GetString()!, Flag(token, "special", false))
            {
                LeftStrip = Flag(token, "lstrip", false),
                RightStrip = Flag(token, "rstrip", false),
            });
            index++;
        }

        return tokens;
    }

    /// <summary>Adds the steps of a <c>normalizer</c> (NFC, Prepend, Replace, Sequence) to <paramref name="normalizer"/>.</summary>
    public void ReadNormalizer(JsonElement? element, string path, TextNormalizer normalizer)
    {
        if (element is not { } json)
        {
            return;
        }

        switch (TypeOf(json, path))
        {
            case "NFC":
                normalizer.AddNfc();
                break;
            case "Prepend":
                normalizer.AddPrepend(json.GetProperty("prepend").GetString()!);
                break;
            case "Replace":
                var content = json.GetProperty("content").GetString()!;
                var pattern = json.GetProperty("pattern");
                if (pattern.TryGetProperty("String", out var literal))
                {
                    normalizer.AddReplace(literal.GetString()!, content);
                }
                else if (pattern.TryGetProperty("Regex", out var regex))
                {
                    normalizer.AddReplace(RegexSplit.Compile(regex.GetString()!), content);
                }
                else
                {
                    throw Error($"{path}.pattern", "must have String or Regex");
                }

                break;
            case "Sequence":
                var i = 0;
                foreach (var inner in json.GetProperty("normalizers").EnumerateArray())
                {
                    ReadNormalizer(inner, $"{path}.normalizers[{i++}]", normalizer);
                }

                break;
            case var other:
                throw Error($"{path}.type", $"'{other}' is not supported yet (supported: NFC, Prepend, Replace, Sequence)");
        }
    }

    /// <summary>
    /// Adds the steps of a <c>pre_tokenizer</c>; a Metaspace pre-tokenizer's replacement and prefix go to
    /// <paramref name="normalizer"/> (it must come first), its split to <paramref name="steps"/>.
    /// </summary>
    public void ReadPreTokenizer(JsonElement? element, string path, List<IPreTokenizer> steps, TextNormalizer normalizer)
    {
        if (element is not { } pre)
        {
            return;
        }

        switch (TypeOf(pre, path))
        {
            case "Sequence":
                var i = 0;
                foreach (var inner in pre.GetProperty("pretokenizers").EnumerateArray())
                {
                    ReadPreTokenizer(inner, $"{path}.pretokenizers[{i++}]", steps, normalizer);
                }

                break;
            case "ByteLevel":
                steps.Add(new ByteLevelPreTokenizer(Flag(pre, "add_prefix_space", false), Flag(pre, "use_regex", true)));
                break;
            case "Split":
                steps.Add(ReadSplit(pre, path));
                break;
            case "Metaspace":
                if (steps.Count > 0)
                {
                    throw Error(path, "Metaspace after another pre-tokenizer is not supported yet (it must come first)");
                }

                var replacement = RequiredString(pre, "replacement", path);
                normalizer.AddMetaspace(replacement, ReadPrependScheme(pre, path));
                if (Flag(pre, "split", true))
                {
                    steps.Add(new RegexSplit(RegexSplit.Compile(Regex.Escape(replacement)), SplitBehavior.MergedWithNext));
                }

                break;
            case var other:
                throw Error($"{path}.type", $"'{other}' is not supported yet (supported: Sequence, Split, ByteLevel, Metaspace)");
        }
    }

    public void ReadPostProcessor(JsonElement? element, string path, Dictionary<string, int> vocab, List<AddedToken> added, List<int> prefix, List<int> suffix)
    {
        if (element is not { } post)
        {
            return;
        }

        switch (TypeOf(post, path))
        {
            case "ByteLevel":
                break;
            case "Sequence":
                var i = 0;
                foreach (var inner in post.GetProperty("processors").EnumerateArray())
                {
                    ReadPostProcessor(inner, $"{path}.processors[{i++}]", vocab, added, prefix, suffix);
                }

                break;
            case "TemplateProcessing":
                ReadTemplate(post, path, prefix, suffix);
                break;
            case "RobertaProcessing" or "BertProcessing":
                prefix.Add(post.GetProperty("cls")[1].GetInt32());
                suffix.Add(post.GetProperty("sep")[1].GetInt32());
                break;
            case var other:
                throw Error($"{path}.type", $"'{other}' is not supported yet (supported: ByteLevel, TemplateProcessing, RobertaProcessing, BertProcessing, Sequence)");
        }
    }

    /// <summary>
    /// Reads the <c>decoder</c>: ByteLevel, Metaspace, or a Sequence of Replace(▁ → space), ByteFallback, Fuse and
    /// Strip(space, start n, stop 0) — the SentencePiece chains of Llama 2, Phi-3 and Gemma.
    /// </summary>
    public TokenDecoder ReadDecoder(JsonElement? element, string path)
    {
        var type = element is { } decoder ? TypeOf(decoder, path) : "null";
        switch (type)
        {
            case "ByteLevel":
                return TokenDecoder.ByteLevelDecoder;
            case "Metaspace":
                var replacement = RequiredString(element!.Value, "replacement", path);
                return new TokenDecoder(false, replacement, true, ReadPrependScheme(element.Value, path) == TextNormalizer.PrependScheme.Never ? 0 : 1);
            case "Sequence":
                var result = new TokenDecoder(false, null, false, 0);
                var i = 0;
                foreach (var inner in element!.Value.GetProperty("decoders").EnumerateArray())
                {
                    result = ReadSequenceDecoder(inner, $"{path}.decoders[{i++}]", result);
                }

                return result;
            default:
                throw Error($"{path}.type", $"'{type}' is not supported yet (supported: ByteLevel, Metaspace, Sequence of Replace/ByteFallback/Fuse/Strip)");
        }
    }

    private TokenDecoder ReadSequenceDecoder(JsonElement decoder, string path, TokenDecoder result)
    {
        switch (TypeOf(decoder, path))
        {
            case "Replace" when decoder.GetProperty("pattern").TryGetProperty("String", out var from) && decoder.GetProperty("content").GetString() == " ":
                return result with { Replacement = from.GetString() };
            case "ByteFallback":
                return result with { ByteFallback = true };
            case "Fuse":
                return result;
            case "Strip" when decoder.GetProperty("content").GetString() == " " && decoder.GetProperty("stop").GetInt32() == 0:
                return result with { StripLeadingSpaces = decoder.GetProperty("start").GetInt32() };
            case "Metaspace":
                return result with { Replacement = RequiredString(decoder, "replacement", path), StripLeadingSpaces = ReadPrependScheme(decoder, path) == TextNormalizer.PrependScheme.Never ? 0 : 1 };
            case var other:
                throw Error(path, $"'{other}' with these settings is not supported yet (supported: Replace(x → ' '), ByteFallback, Fuse, Strip(' ', start, stop 0), Metaspace)");
        }
    }

    private TextNormalizer.PrependScheme ReadPrependScheme(JsonElement metaspace, string path)
    {
        if (metaspace.TryGetProperty("prepend_scheme", out var scheme) && scheme.ValueKind == JsonValueKind.String)
        {
            return scheme.GetString() switch
            {
                "always" => TextNormalizer.PrependScheme.Always,
                "first" => TextNormalizer.PrependScheme.First,
                "never" => TextNormalizer.PrependScheme.Never,
                var other => throw Error($"{path}.prepend_scheme", $"'{other}' is not one of always, first, never"),
            };
        }

        return Flag(metaspace, "add_prefix_space", true) ? TextNormalizer.PrependScheme.Always : TextNormalizer.PrependScheme.Never;
    }

    private RegexSplit ReadSplit(JsonElement split, string path)
    {
        var name = split.TryGetProperty("behavior", out var b) ? b.GetString() : "Isolated";
        if (!Enum.TryParse<SplitBehavior>(name, out var behavior) || !Enum.IsDefined(behavior))
        {
            throw Error($"{path}.behavior", $"'{name}' is not supported yet (supported: {string.Join(", ", Enum.GetNames<SplitBehavior>())})");
        }

        if (Flag(split, "invert", false))
        {
            throw Error($"{path}.invert", "= true is not supported yet");
        }

        var pattern = split.GetProperty("pattern");
        string regex;
        if (pattern.TryGetProperty("Regex", out var r))
        {
            regex = r.GetString()!;
        }
        else if (pattern.TryGetProperty("String", out var s))
        {
            regex = Regex.Escape(s.GetString()!);
        }
        else
        {
            throw Error($"{path}.pattern", "must have Regex or String");
        }

        try
        {
            return new RegexSplit(RegexSplit.Compile(regex), behavior);
        }
        catch (ArgumentException e)
        {
            throw Error($"{path}.pattern.Regex", $"does not compile as a .NET regex: {e.Message}");
        }
    }

    private void ReadTemplate(JsonElement post, string path, List<int> prefix, List<int> suffix)
    {
        var specials = post.GetProperty("special_tokens");
        var seenSequence = false;
        var i = 0;
        foreach (var item in post.GetProperty("single").EnumerateArray())
        {
            if (item.TryGetProperty("Sequence", out _))
            {
                seenSequence = true;
            }
            else if (item.TryGetProperty("SpecialToken", out var token))
            {
                var name = token.GetProperty("id").GetString()!;
                if (!specials.TryGetProperty(name, out var entry))
                {
                    throw Error($"{path}.single[{i}].SpecialToken.id", $"'{name}' is not in {path}.special_tokens");
                }

                foreach (var id in entry.GetProperty("ids").EnumerateArray())
                {
                    (seenSequence ? suffix : prefix).Add(id.GetInt32());
                }
            }

            i++;
        }
    }

    private string RequiredString(JsonElement element, string name, string path) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Error($"{path}.{name}", "is missing");

    private string TypeOf(JsonElement element, string path) =>
        element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString()! : throw Error($"{path}.type", "is missing");

    private static bool Flag(JsonElement element, string name, bool fallback) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.True : fallback;
}
