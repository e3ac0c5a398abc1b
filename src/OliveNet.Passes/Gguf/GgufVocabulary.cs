using System.Text.Json.Nodes;
using OliveNet.Passes.Export;

namespace OliveNet.Passes.Gguf;

/// <summary>
/// The <c>tokenizer.ggml.*</c> metadata llama.cpp reads, built from a checkpoint's <c>tokenizer.json</c> (+
/// <c>tokenizer_config.json</c>, <c>config.json</c>): byte-level BPE becomes model <c>gpt2</c> (tokens, token types,
/// merges, a pre-tokenizer name), SentencePiece-style BPE with byte fallback becomes model <c>llama</c> (tokens,
/// scores from merge ranks, token types with byte tokens), plus special ids, add_bos/add_eos and the chat template.
/// </summary>
internal sealed record GgufVocabulary
{
    // llama.cpp's token types (llama_token_type / gguf TokenType).
    private const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6;

    // Pre-tokenizer regexes of tokenizer.json → llama.cpp's tokenizer.ggml.pre names.
    private static readonly (string Regex, string Name)[] PreTokenizers =
    [
        ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "llama-bpe"),
        ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "qwen2"),
        ("[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "gpt-4o"),
    ];

    public required string Model { get; init; }
    public required string Pre { get; init; }
    public required IReadOnlyList<string> Tokens { get; init; }
    public required IReadOnlyList<int> Types { get; init; }
    public IReadOnlyList<float>? Scores { get; init; }
    public IReadOnlyList<string>? Merges { get; init; }
    public int? Bos { get; init; }
    public int? Eos { get; init; }
    public int? Pad { get; init; }
    public int? Unk { get; init; }
    public bool AddBos { get; init; }
    public bool AddEos { get; init; }
    public bool? AddSpacePrefix { get; init; }
    public string? ChatTemplate { get; init; }

    /// <summary>The ids whose text ends a turn or the sequence (eos plus control tokens such as &lt;|im_end|&gt;, &lt;end_of_turn&gt;, &lt;|eot_id|&gt;, &lt;|end|&gt;).</summary>
    public IReadOnlyList<string> StopTokens =>
        Tokens.Where((t, i) => i == Eos || (Types[i] == Control && t is "<|im_end|>" or "<end_of_turn>" or "<|eot_id|>" or "<|end|>" or "<|endoftext|>")).Distinct().ToList();

    /// <summary>Reads the tokenizer of <paramref name="folder"/>, padded with unused tokens up to <paramref name="size"/> (the embedding rows).</summary>
    /// <exception cref="ExportException">There is no tokenizer.json, or its model is not BPE.</exception>
    public static GgufVocabulary Load(string folder, int size, JsonObject config)
    {
        var path = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(path))
        {
            throw new ExportException($"{path}: not found; GgufExport writes the vocabulary from tokenizer.json (a tokenizer.model-only checkpoint is not supported).");
        }

        var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new ExportException($"{path}: not a JSON object.");
        var model = json["model"] as JsonObject ?? throw new ExportException($"{path}: has no 'model'.");
        if (model["type"]?.GetValue<string>() is not "BPE")
        {
            throw new ExportException($"{path}: model type '{model["type"]}' is not supported; GgufExport writes BPE vocabularies (byte-level or with byte fallback).");
        }

        var tokenizerConfig = ReadObject(Path.Combine(folder, "tokenizer_config.json"));
        var byId = new Dictionary<int, string>();
        foreach (var (text, id) in (model["vocab"] as JsonObject)!)
        {
            byId[id!.GetValue<int>()] = text;
        }

        var special = new HashSet<int>();
        var addedText = new HashSet<int>();
        foreach (var added in (json["added_tokens"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var id = added["id"]!.GetValue<int>();
            byId[id] = added["content"]!.GetValue<string>();
            addedText.Add(id);
            if (added["special"]?.GetValue<bool>() == true)
            {
                special.Add(id);
            }
        }

        var byteLevel = Mentions(json["pre_tokenizer"], "ByteLevel") || Mentions(json["decoder"], "ByteLevel");
        var count = Math.Max(size, byId.Count == 0 ? 0 : byId.Keys.Max() + 1);
        var tokens = new string[count];
        var types = new int[count];
        var unkText = model["unk_token"]?.GetValue<string>();
        for (var i = 0; i < count; i++)
        {
            if (!byId.TryGetValue(i, out var text))
            {
                (tokens[i], types[i]) = ($"[PAD{i}]", Unused);
                continue;
            }

            tokens[i] = text;
            types[i] = special.Contains(i) || (addedText.Contains(i) && LooksSpecial(text)) ? Control
                : addedText.Contains(i) ? UserDefined
                : !byteLevel && text == unkText ? Unknown
                : !byteLevel && text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal) && text.EndsWith('>') ? Byte
                : Normal;
        }

        var merges = (model["merges"] as JsonArray ?? []).Select(m => m is JsonArray pair ? $"{pair[0]} {pair[1]}" : m!.GetValue<string>()).ToList();
        var lookup = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = tokens.Length - 1; i >= 0; i--)
        {
            lookup[tokens[i]] = i;
        }

        int? Id(string key)
        {
            var node = tokenizerConfig[key];
            var text = node is JsonObject o ? o["content"]?.GetValue<string>() : node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            return text is not null && lookup.TryGetValue(text, out var id) ? id : null;
        }

        int? ConfigId(string key) => config[key] switch
        {
            JsonArray { Count: > 0 } a => a[0]!.GetValue<int>(),
            JsonValue v when v.TryGetValue<int>(out var i) => i,
            _ => null,
        };

        var bos = Id("bos_token") ?? ConfigId("bos_token_id");
        var eos = Id("eos_token") ?? ConfigId("eos_token_id");
        var postProcessor = json["post_processor"]?.ToJsonString() ?? string.Empty;
        return new GgufVocabulary
        {
            Model = byteLevel ? "gpt2" : "llama",
            Pre = byteLevel ? PreName(json["pre_tokenizer"]) : "default",
            Tokens = tokens,
            Types = types,
            Scores = byteLevel ? null : MergeScores(tokens, merges),
            Merges = byteLevel ? merges : null,
            Bos = bos,
            Eos = eos,
            Pad = Id("pad_token"),
            Unk = Id("unk_token") ?? (unkText is not null && lookup.TryGetValue(unkText, out var u) ? u : null),
            AddBos = Flag(tokenizerConfig, "add_bos_token") ?? (bos is int b && postProcessor.Contains($"\"{tokens[b]}\"", StringComparison.Ordinal) && postProcessor.Contains("TemplateProcessing", StringComparison.Ordinal)),
            AddEos = Flag(tokenizerConfig, "add_eos_token") ?? false,
            AddSpacePrefix = byteLevel ? null : Mentions(json["normalizer"], "Prepend") || Mentions(json["pre_tokenizer"], "Metaspace"),
            ChatTemplate = ChatTemplateOf(folder, tokenizerConfig),
        };
    }

    /// <summary>Adds the tokenizer keys to <paramref name="writer"/>.</summary>
    public void WriteTo(GgufWriter writer)
    {
        writer.Add("tokenizer.ggml.model", Model);
        writer.Add("tokenizer.ggml.pre", Pre);
        writer.Add("tokenizer.ggml.tokens", Tokens);
        if (Scores is not null)
        {
            writer.Add("tokenizer.ggml.scores", Scores);
        }

        writer.Add("tokenizer.ggml.token_type", Types);
        if (Merges is not null)
        {
            writer.Add("tokenizer.ggml.merges", Merges);
        }

        foreach (var (key, id) in new[] { ("bos", Bos), ("eos", Eos), ("unknown", Unk), ("padding", Pad) })
        {
            if (id is int value)
            {
                writer.Add($"tokenizer.ggml.{key}_token_id", (uint)value);
            }
        }

        writer.Add("tokenizer.ggml.add_bos_token", AddBos);
        writer.Add("tokenizer.ggml.add_eos_token", AddEos);
        if (AddSpacePrefix is bool prefix)
        {
            writer.Add("tokenizer.ggml.add_space_prefix", prefix);
        }

        if (ChatTemplate is not null)
        {
            writer.Add("tokenizer.chat_template", ChatTemplate);
        }
    }

    // llama.cpp's SentencePiece tokenizer merges the adjacent pair whose joined text has the highest score; a BPE
    // vocabulary merges the pair with the lowest rank. Scoring each token by minus the rank of the merge that makes it
    // gives the same order.
    private static float[] MergeScores(string[] tokens, List<string> merges)
    {
        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var r = 0; r < merges.Count; r++)
        {
            var space = merges[r].IndexOf(' ', StringComparison.Ordinal);
            rank.TryAdd(string.Concat(merges[r].AsSpan(0, space), merges[r].AsSpan(space + 1)), r);
        }

        return tokens.Select(t => rank.TryGetValue(t, out var r) ? -(float)r - 1 : 0f).ToArray();
    }

    private static string PreName(JsonNode? preTokenizer)
    {
        var text = preTokenizer?.ToJsonString() ?? string.Empty;
        foreach (var (regex, name) in PreTokenizers)
        {
            if (text.Contains(System.Text.Json.JsonSerializer.Serialize(regex)[1..^1], StringComparison.Ordinal))
            {
                return name;
            }
        }

        // A bare ByteLevel pre-tokenizer with its regex on is GPT-2's split.
        return preTokenizer is JsonObject o && o["type"]?.GetValue<string>() == "ByteLevel" && o["use_regex"]?.GetValue<bool>() != false ? "gpt-2" : "default";
    }

    private static bool LooksSpecial(string text) =>
        (text.StartsWith("<|", StringComparison.Ordinal) && text.EndsWith("|>", StringComparison.Ordinal)) || text is "<pad>" or "<mask>";

    private static bool Mentions(JsonNode? node, string type) => node?.ToJsonString().Contains($"\"type\":\"{type}\"", StringComparison.Ordinal) == true;

    private static bool? Flag(JsonObject config, string key) => config[key] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    private static string? ChatTemplateOf(string folder, JsonObject tokenizerConfig)
    {
        var file = Path.Combine(folder, "chat_template.jinja");
        if (File.Exists(file))
        {
            return File.ReadAllText(file);
        }

        return tokenizerConfig["chat_template"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonArray a => a.OfType<JsonObject>().FirstOrDefault(t => t["name"]?.GetValue<string>() == "default")?["template"]?.GetValue<string>(),
            _ => null,
        };
    }

    private static JsonObject ReadObject(string path) => File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? [] : [];
}
