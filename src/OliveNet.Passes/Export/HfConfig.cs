using System.Text.Json.Nodes;

namespace OliveNet.Passes.Export;

/// <summary>
/// The fields of a Hugging Face <c>config.json</c> (and <c>generation_config.json</c>) the decoder export reads,
/// with each family's defaults filled. Unknown fields are ignored.
/// </summary>
internal sealed partial record HfConfig
{
    public required string Architecture { get; init; }
    public required DecoderFamily Family { get; init; }
    public required int Hidden { get; init; }
    public required int Intermediate { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int KvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int Vocab { get; init; }
    public required int MaxPositions { get; init; }
    public required float RmsEps { get; init; }
    public required double RopeTheta { get; init; }
    public required bool TieEmbeddings { get; init; }
    public required JsonObject Raw { get; init; }
    public required JsonObject Generation { get; init; }

    /// <summary>Whether this is the text decoder of a vision-language checkpoint (<see cref="MultimodalConfig"/>).</summary>
    public bool IsMultimodal => MultimodalConfig.IsWrapper(Architecture);

    /// <summary>Rotary dimensions per head (Phi-3 partial rotary: a fraction of the head).</summary>
    public int RotaryDim => (int)(HeadDim * (Raw["partial_rotary_factor"]?.GetValue<double>() ?? 1.0));

    /// <summary>Reads <paramref name="folder"/>/config.json (and generation_config.json when present).</summary>
    /// <exception cref="ExportException">The file is missing, or the architecture is not supported.</exception>
    public static HfConfig Load(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        var raw = MultimodalConfig.Flatten(ReadJson(path) ?? throw new ExportException($"{path}: not found; a Hugging Face checkpoint folder has config.json."));
        var generation = ReadJson(Path.Combine(folder, "generation_config.json")) ?? [];
        var architecture = raw["architectures"] is JsonArray { Count: > 0 } a ? a[0]!.GetValue<string>() : "(none)";
        var family = DecoderFamilies.Of(architecture)
            ?? throw new ExportException(
                $"{path}: architecture '{architecture}' is not supported by ModelBuilder; supported: {string.Join(", ", DecoderFamilies.Supported)}, and {Whisper.WhisperConfig.ArchitectureName} (speech, encoder + decoder).");
        if (MultimodalConfig.IsWrapper(architecture))
        {
            family = MultimodalConfig.TextFamily(architecture, raw, path);
        }

        if (family == DecoderFamily.Qwen35)
        {
            // SafeTensorsCheckpoint already reads model.language_model.* under the plain model.* names.
            raw = FlattenQwen35(raw, path);
        }

        var hidden = Int(raw, path, "hidden_size");
        var heads = Int(raw, path, "num_attention_heads");
        var config = new HfConfig
        {
            Architecture = architecture,
            Family = family,
            Hidden = hidden,
            Intermediate = Int(raw, path, "intermediate_size"),
            Layers = Int(raw, path, "num_hidden_layers"),
            Heads = heads,
            KvHeads = raw["num_key_value_heads"]?.GetValue<int>() ?? heads,
            HeadDim = raw["head_dim"]?.GetValue<int>() ?? hidden / heads,
            Vocab = Int(raw, path, "vocab_size"),
            MaxPositions = raw["max_position_embeddings"]?.GetValue<int>() ?? 4096,
            RmsEps = (float)(raw["rms_norm_eps"]?.GetValue<double>() ?? 1e-6),
            RopeTheta = raw["rope_theta"]?.GetValue<double>() ?? RopeParameters(raw)?["rope_theta"]?.GetValue<double>() ?? 10000.0,
            TieEmbeddings = raw["tie_word_embeddings"]?.GetValue<bool>() ?? family is DecoderFamily.Gemma3 or DecoderFamily.SmolLM3,
            Raw = raw,
            Generation = generation,
        };
        config.CheckFamily(path);
        return config;
    }

    /// <summary>A number from config.json, or null when absent or JSON null.</summary>
    public double? Number(string key) => Raw[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    private static int Int(JsonObject raw, string path, string key) =>
        raw[key] is JsonValue v && v.TryGetValue<int>(out var i) ? i : throw new ExportException($"{path}: '{key}' is missing or not an integer.");

    /// <summary>A JSON object file, or null when the file is absent.</summary>
    /// <exception cref="ExportException">The file is not a JSON object.</exception>
    internal static JsonObject? ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new ExportException($"{path}: not a JSON object.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ExportException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }
}
