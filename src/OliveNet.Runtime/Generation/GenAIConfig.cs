using System.Globalization;
using System.Text.Json;

namespace OliveNet.Runtime.Generation;

/// <summary>
/// The parts of an ONNX Runtime GenAI <c>genai_config.json</c> that running a decoder needs: file and I/O names,
/// cache geometry, special ids and search defaults. Immutable.
/// </summary>
public sealed record GenAIConfig
{
    /// <summary>The decoder ONNX file, relative to the model folder.</summary>
    public required string Filename { get; init; }

    public required int NumHiddenLayers { get; init; }

    public required int NumKeyValueHeads { get; init; }

    public required int HeadSize { get; init; }

    public required int ContextLength { get; init; }

    public required int VocabSize { get; init; }

    /// <summary>Ids that end generation (eos_token_id may be one id or a list).</summary>
    public required IReadOnlyList<int> EosTokenIds { get; init; }

    public int? BosTokenId { get; init; }

    public string InputIdsName { get; init; } = "input_ids";

    public string AttentionMaskName { get; init; } = "attention_mask";

    /// <summary>Set when the model takes position_ids (RoPE not fused into GroupQueryAttention).</summary>
    public string? PositionIdsName { get; init; }

    public string PastKeyNames { get; init; } = "past_key_values.%d.key";

    public string PastValueNames { get; init; } = "past_key_values.%d.value";

    public string LogitsName { get; init; } = "logits";

    public string PresentKeyNames { get; init; } = "present.%d.key";

    public string PresentValueNames { get; init; } = "present.%d.value";

    /// <summary>Search defaults from the <c>search</c> section.</summary>
    public GenerationOptions Search { get; init; } = new();

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="GenerationException">Missing file, invalid JSON or a missing required key (named with its JSON path).</exception>
    public static GenAIConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new GenerationException($"{path} not found: a GenAI model folder needs genai_config.json (export one with the ModelBuilder, e.g. 'olivenet run' on a recipe with ModelBuilder).");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return Read(document.RootElement, path);
        }
        catch (JsonException e)
        {
            throw new GenerationException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    private static GenAIConfig Read(JsonElement root, string path)
    {
        var model = Required(root, "model", path);
        var decoder = Required(model, "decoder", path, "model.");
        var inputs = decoder.TryGetProperty("inputs", out var i) ? i : default;
        var outputs = decoder.TryGetProperty("outputs", out var o) ? o : default;
        var search = root.TryGetProperty("search", out var s) ? s : default;
        var eos = Required(model, "eos_token_id", path, "model.");
        var defaults = new GenerationOptions();
        return new GenAIConfig
        {
            Filename = Text(decoder, "filename") ?? "model.onnx",
            NumHiddenLayers = Int(decoder, "num_hidden_layers", path, "model.decoder."),
            NumKeyValueHeads = Int(decoder, "num_key_value_heads", path, "model.decoder."),
            HeadSize = Int(decoder, "head_size", path, "model.decoder."),
            ContextLength = Int(model, "context_length", path, "model."),
            VocabSize = Int(model, "vocab_size", path, "model."),
            EosTokenIds = eos.ValueKind == JsonValueKind.Array ? [.. eos.EnumerateArray().Select(e => e.GetInt32())] : [eos.GetInt32()],
            BosTokenId = model.TryGetProperty("bos_token_id", out var bos) && bos.ValueKind == JsonValueKind.Number ? bos.GetInt32() : null,
            InputIdsName = Text(inputs, "input_ids") ?? "input_ids",
            AttentionMaskName = Text(inputs, "attention_mask") ?? "attention_mask",
            PositionIdsName = Text(inputs, "position_ids"),
            PastKeyNames = Text(inputs, "past_key_names") ?? "past_key_values.%d.key",
            PastValueNames = Text(inputs, "past_value_names") ?? "past_key_values.%d.value",
            LogitsName = Text(outputs, "logits") ?? "logits",
            PresentKeyNames = Text(outputs, "present_key_names") ?? "present.%d.key",
            PresentValueNames = Text(outputs, "present_value_names") ?? "present.%d.value",
            Search = defaults with
            {
                DoSample = Bool(search, "do_sample") ?? defaults.DoSample,
                MaxLength = Number(search, "max_length") is { } max ? (int)max : null,
                PastPresentShareBuffer = Bool(search, "past_present_share_buffer") ?? defaults.PastPresentShareBuffer,
                RepetitionPenalty = (float)(Number(search, "repetition_penalty") ?? defaults.RepetitionPenalty),
                Temperature = (float)(Number(search, "temperature") ?? defaults.Temperature),
                TopK = (int)(Number(search, "top_k") ?? defaults.TopK),
                TopP = (float)(Number(search, "top_p") ?? defaults.TopP),
            },
        };
    }

    /// <summary>Expands a GenAI name pattern such as <c>present.%d.key</c> for one layer.</summary>
    /// <summary>The most tokens (prompt + generated) one generation may reach: <paramref name="options"/>' max length, else
    /// the search default, else the context, never past the context; and no more than the prompt plus MaxNewTokens.</summary>
    /// <exception cref="GenerationException">The prompt is empty or leaves no room to generate.</exception>
    public int MaxLengthFor(int promptTokens, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var maxLength = Math.Min(options.MaxLength ?? Search.MaxLength ?? ContextLength, ContextLength);
        if (options.MaxNewTokens is { } maxNew)
        {
            maxLength = Math.Min(maxLength, promptTokens + maxNew);
        }

        if (promptTokens == 0 || promptTokens >= maxLength)
        {
            throw new GenerationException(promptTokens == 0 ? "The prompt is empty; give at least one token."
                : $"The prompt has {promptTokens} tokens but the maximum length is {maxLength} (the model's context is {ContextLength}); shorten the prompt.");
        }

        return maxLength;
    }

    public static string LayerName(string pattern, int layer) =>
        pattern.Replace("%d", layer.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static JsonElement Required(JsonElement parent, string name, string path, string prefix = "") =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? value
            : throw new GenerationException($"{path}: {prefix}{name} is missing");

    private static int Int(JsonElement parent, string name, string path, string prefix) =>
        Required(parent, name, path, prefix) is { ValueKind: JsonValueKind.Number } n ? n.GetInt32()
            : throw new GenerationException($"{path}: {prefix}{name} must be a number");

    private static string? Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? Bool(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static double? Number(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
