using System.Text.Json;
using System.Text.RegularExpressions;
using OliveNet.Runtime.Tokenizers.PreTokenizers;

namespace OliveNet.Runtime.Tokenizers;

/// <summary>Reads the components of a <c>tokenizer.json</c>; every error names the file and the JSON path.</summary>
internal sealed class TokenizerJsonReader(string file)
{
    public TokenizerException Error(string path, string problem) => new($"{file}: {path} {problem}");

    public BytePairModel ReadModel(JsonElement model)
    {
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : (model.TryGetProperty("merges", out _) ? "BPE" : null);
        if (type != "BPE")
        {
            throw Error("model.type", $"'{type}' is not supported yet (supported: BPE, byte-level)");
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

        var ignoreMerges = model.TryGetProperty("ignore_merges", out var ignore) && ignore.ValueKind == JsonValueKind.True;
        return new BytePairModel(vocab, merges, ignoreMerges, file);
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
            foreach (var flag in new[] { "lstrip", "rstrip", "single_word" })
            {
                if (token.TryGetProperty(flag, out var value) && value.ValueKind == JsonValueKind.True)
                {
                    throw Error($"added_tokens[{index}].{flag}", "= true is not supported yet");
                }
            }

            var special = token.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
            tokens.Add(new AddedToken(token.GetProperty("id").GetInt32(), token.GetProperty("content").GetString()!, special));
            index++;
        }

        return tokens;
    }

    /// <summary>Returns true when the normalizer is NFC (possibly inside a Sequence), false when there is none.</summary>
    public bool ReadNormalizer(JsonElement? element, string path)
    {
        if (element is not { } normalizer)
        {
            return false;
        }

        switch (TypeOf(normalizer, path))
        {
            case "NFC":
                return true;
            case "Sequence":
                var nfc = false;
                var i = 0;
                foreach (var inner in normalizer.GetProperty("normalizers").EnumerateArray())
                {
                    nfc |= ReadNormalizer(inner, $"{path}.normalizers[{i++}]");
                }

                return nfc;
            case var other:
                throw Error($"{path}.type", $"'{other}' is not supported yet (supported: NFC, Sequence)");
        }
    }

    public void ReadPreTokenizer(JsonElement? element, string path, List<IPreTokenizer> steps)
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
                    ReadPreTokenizer(inner, $"{path}.pretokenizers[{i++}]", steps);
                }

                break;
            case "ByteLevel":
                steps.Add(new ByteLevelPreTokenizer(Flag(pre, "add_prefix_space", false), Flag(pre, "use_regex", true)));
                break;
            case "Split":
                steps.Add(ReadSplit(pre, path));
                break;
            case var other:
                throw Error($"{path}.type", $"'{other}' is not supported yet (supported: Sequence, Split, ByteLevel)");
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

    public void ReadDecoder(JsonElement? element, string path)
    {
        var type = element is { } decoder ? TypeOf(decoder, path) : "null";
        if (type != "ByteLevel")
        {
            throw Error($"{path}.type", $"'{type}' is not supported yet (supported: ByteLevel)");
        }
    }

    private RegexSplit ReadSplit(JsonElement split, string path)
    {
        var behavior = split.TryGetProperty("behavior", out var b) ? b.GetString() : "Isolated";
        if (behavior is not ("Isolated" or "Removed"))
        {
            throw Error($"{path}.behavior", $"'{behavior}' is not supported yet (supported: Isolated, Removed)");
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
            return new RegexSplit(RegexSplit.Compile(regex), behavior == "Removed");
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

    private string TypeOf(JsonElement element, string path) =>
        element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString()! : throw Error($"{path}.type", "is missing");

    private static bool Flag(JsonElement element, string name, bool fallback) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.True : fallback;
}
