using System.Text.Json.Nodes;

namespace OliveNet.Passes.Export.Whisper;

/// <summary>
/// The fields of a Whisper checkpoint's <c>config.json</c> (<c>WhisperForConditionalGeneration</c>, model_type
/// <c>whisper</c>) the export reads. Every released size (tiny … large-v3, large-v3-turbo, the <c>.en</c> models) has
/// 80 or 128 mel bins, 1500 encoder positions (30 s of audio = 3000 frames, halved by the strided convolution) and
/// GELU activations.
/// </summary>
internal sealed record WhisperConfig
{
    /// <summary>The architecture name Hugging Face writes for Whisper checkpoints.</summary>
    public const string ArchitectureName = "WhisperForConditionalGeneration";

    /// <summary>Log-mel frames of one 30 s window, which ONNX Runtime GenAI's Whisper pipeline requires.</summary>
    public const int Frames = 3000;

    public required int DModel { get; init; }
    public required int EncoderLayers { get; init; }
    public required int DecoderLayers { get; init; }
    public required int EncoderHeads { get; init; }
    public required int DecoderHeads { get; init; }
    public required int EncoderFfn { get; init; }
    public required int DecoderFfn { get; init; }
    public required int Mels { get; init; }
    public required int SourcePositions { get; init; }
    public required int TargetPositions { get; init; }
    public required int Vocab { get; init; }
    public required bool ScaleEmbedding { get; init; }
    public required JsonObject Raw { get; init; }
    public required JsonObject Generation { get; init; }

    /// <summary>Per-head width of the encoder's attention.</summary>
    public int EncoderHeadSize => DModel / EncoderHeads;

    /// <summary>Per-head width of the decoder's attention (self and cross).</summary>
    public int DecoderHeadSize => DModel / DecoderHeads;

    /// <summary>Whether <paramref name="raw"/> is a Whisper config (by architecture or model_type).</summary>
    public static bool Is(JsonObject raw) =>
        (raw["architectures"] is JsonArray { Count: > 0 } a && a[0] is JsonValue v && v.TryGetValue<string>(out var architecture) && architecture == ArchitectureName)
        || (raw["model_type"] is JsonValue t && t.TryGetValue<string>(out var type) && type == "whisper");

    /// <summary>Whether <paramref name="folder"/>/config.json is a Whisper config; false when it is missing or unreadable.</summary>
    public static bool IsFolder(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        try
        {
            return File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject raw && Is(raw);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads <paramref name="folder"/>/config.json (and generation_config.json when present).</summary>
    /// <exception cref="ExportException">A field is missing or outside what the export supports.</exception>
    public static WhisperConfig Load(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        var raw = HfConfig.ReadJson(path) ?? throw new ExportException($"{path}: not found; a Hugging Face checkpoint folder has config.json.");
        var generation = HfConfig.ReadJson(Path.Combine(folder, "generation_config.json")) ?? [];
        var config = new WhisperConfig
        {
            DModel = Int(raw, path, "d_model"),
            EncoderLayers = Int(raw, path, "encoder_layers"),
            DecoderLayers = Int(raw, path, "decoder_layers"),
            EncoderHeads = Int(raw, path, "encoder_attention_heads"),
            DecoderHeads = Int(raw, path, "decoder_attention_heads"),
            EncoderFfn = Int(raw, path, "encoder_ffn_dim"),
            DecoderFfn = Int(raw, path, "decoder_ffn_dim"),
            Mels = Int(raw, path, "num_mel_bins"),
            SourcePositions = Int(raw, path, "max_source_positions"),
            TargetPositions = Int(raw, path, "max_target_positions"),
            Vocab = Int(raw, path, "vocab_size"),
            ScaleEmbedding = raw["scale_embedding"] is JsonValue s && s.TryGetValue<bool>(out var scale) && scale,
            Raw = raw,
            Generation = generation,
        };
        config.Check(path);
        return config;
    }

    /// <summary>A token id from generation_config.json, else config.json, else <paramref name="fallback"/>.</summary>
    public JsonNode Id(string key, int fallback) => (Generation[key] ?? Raw[key])?.DeepClone() ?? fallback;

    private void Check(string path)
    {
        var activation = Raw["activation_function"] is JsonValue a && a.TryGetValue<string>(out var f) ? f : "gelu";
        if (activation != "gelu")
        {
            throw new ExportException($"{path}: activation_function '{activation}' is not supported for Whisper; the export writes exact GELU (every released Whisper checkpoint uses 'gelu').");
        }

        if (Mels is not (80 or 128))
        {
            throw new ExportException($"{path}: num_mel_bins {Mels} is not 80 or 128, the log-mel sizes ONNX Runtime GenAI's Whisper feature extraction produces.");
        }

        if (SourcePositions != Frames / 2)
        {
            throw new ExportException($"{path}: max_source_positions {SourcePositions} is not {Frames / 2}; ONNX Runtime GenAI feeds Whisper 30 s windows ({Frames} frames, {Frames / 2} encoder positions).");
        }

        if (DModel % EncoderHeads != 0 || DModel % DecoderHeads != 0)
        {
            throw new ExportException($"{path}: d_model {DModel} is not a multiple of the attention heads ({EncoderHeads} encoder, {DecoderHeads} decoder).");
        }
    }

    private static int Int(JsonObject raw, string path, string key) =>
        raw[key] is JsonValue v && v.TryGetValue<int>(out var i) ? i : throw new ExportException($"{path}: '{key}' is missing or not an integer (a Whisper config has it).");
}
