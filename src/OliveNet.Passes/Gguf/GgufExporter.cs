using System.Text.Json.Nodes;
using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Gguf;

/// <summary>
/// Writes one GGUF v3 file from a Hugging Face decoder checkpoint in llama.cpp's layout: architecture metadata, RoPE
/// settings, tokenizer and chat template, then every weight renamed, re-laid-out where llama.cpp's graph differs from
/// the Hugging Face module (rotary pairs of Llama/Mistral q/k, Gemma's 1+w norms, Gemma 3's query scale folded into
/// its q norm) and encoded tensor by tensor; one tensor (one chunk of rows) is in memory at a time.
/// </summary>
internal sealed partial class GgufExporter
{
    private static readonly string[] PhiTokens = ["</s>", "<unk>", "<s>", "<|endoftext|>"];

    private readonly HfConfig _config;
    private readonly SafeTensorsCheckpoint _weights;
    private readonly string _format;
    private readonly bool _pure;
    private readonly string _arch;

    private GgufExporter(HfConfig config, SafeTensorsCheckpoint weights, string format, bool pure)
    {
        _config = config;
        _weights = weights;
        _format = format;
        _pure = pure;
        _arch = config.Family == DecoderFamily.SmolLM3 ? SmolLM3(config) : Architecture(config.Family) ?? throw Unsupported(config, config.Family);
    }

    /// <summary>llama.cpp's <c>general.architecture</c> for <paramref name="family"/>, or null when the writer does not handle it.</summary>
    internal static string? Architecture(DecoderFamily family) => family switch
    {
        DecoderFamily.Llama or DecoderFamily.Mistral => "llama",
        DecoderFamily.Qwen2 => "qwen2",
        DecoderFamily.Qwen3 => "qwen3",
        DecoderFamily.Phi3 => "phi3",
        DecoderFamily.Gemma3 => "gemma3",
        DecoderFamily.SmolLM3 => "smollm3",
        DecoderFamily.HunYuanDense => "hunyuan-dense",
        _ => null,
    };

    /// <summary>The refusal of a Whisper checkpoint in <paramref name="checkpoint"/>.</summary>
    internal static string WhisperRefusal(string checkpoint) =>
        $"{checkpoint}: GgufExport does not write Whisper ({OliveNet.Passes.Export.Whisper.WhisperConfig.ArchitectureName}, a speech encoder–decoder): llama.cpp has no Whisper architecture (whisper.cpp uses its own ggml model files, converted by its convert-h5-to-ggml.py); export it with ModelBuilder for ONNX Runtime GenAI instead.";

    /// <summary>Why the writer cannot export <paramref name="config"/> (read from <paramref name="checkpoint"/>), or null when it can.</summary>
    internal static string? Refusal(HfConfig config, string checkpoint) =>
        config.IsMultimodal
            ? $"{checkpoint}: GgufExport does not write vision-language checkpoints ({config.Architecture}); llama.cpp would need the text decoder as one GGUF under its own architecture (qwen2vl/qwen3vl/gemma3/mistral3 metadata) and the vision tower as a separate mmproj GGUF, neither of which OliveNet writes. Export the text decoder with ModelBuilder, or convert with llama.cpp's convert_hf_to_gguf.py (with --mmproj for the vision part)."
            : config.Family == DecoderFamily.Qwen35
                ? $"{checkpoint}: GGUF export of {config.Architecture} (Qwen3.5, hybrid Gated DeltaNet) is not supported: llama.cpp reads Qwen3.5 through its own hybrid architecture (conv, decay and gate tensors of the linear-attention layers), which OliveNet's GGUF writer does not produce; use ModelBuilder for this model, or llama.cpp's convert_hf_to_gguf.py."
            : Architecture(config.Family) is null
                ? Unsupported(config, config.Family).Message
                : null;

    /// <summary>The refusal of a family GgufExport does not write (llama.cpp's architecture for it has metadata and tensors OliveNet does not produce).</summary>
    private static ExportException Unsupported(HfConfig config, DecoderFamily family) => new(
        $"GgufExport: architecture '{config.Architecture}' is not supported (llama.cpp would load it as '{family switch
        {
            DecoderFamily.Olmo3 => "olmo2",
            DecoderFamily.Ministral3 => "mistral3",
            DecoderFamily.Qwen35 => "qwen35",
            _ => family.ToString().ToLowerInvariant(),
        }}', whose per-layer metadata GgufExport does not write); GgufExport writes {string.Join(", ", GgufArchitectures)}. Export this checkpoint with ModelBuilder instead, or convert it with llama.cpp's convert_hf_to_gguf.py.");

    /// <summary>The architectures GgufExport writes.</summary>
    public static readonly string[] GgufArchitectures = ["LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM", "Phi3ForCausalLM", "Gemma3ForCausalLM", "SmolLM3ForCausalLM", "HunYuanDenseV1ForCausalLM"];

    /// <summary>
    /// llama.cpp's <c>smollm3</c>: Llama tensors, with a NoPE layer every 4th layer fixed in its loader (no metadata key),
    /// and no sliding window; other layer patterns are refused rather than written wrong.
    /// </summary>
    private static string SmolLM3(HfConfig c)
    {
        var layers = Enumerable.Range(0, c.Layers);
        if (layers.Any(l => c.UsesRope(l) != ((l + 1) % 4 != 0)))
        {
            throw new ExportException(
                $"GgufExport: this SmolLM3 checkpoint's NoPE layers (no_rope_layers) are not every 4th layer, the pattern llama.cpp's 'smollm3' fixes; export it with ModelBuilder instead.");
        }

        if (layers.Any(l => c.LayerWindow(l) > 0))
        {
            throw new ExportException("GgufExport: this SmolLM3 checkpoint uses a sliding window (use_sliding_window), which llama.cpp's 'smollm3' does not apply; export it with ModelBuilder instead.");
        }

        return "smollm3";
    }

    /// <summary>What was written.</summary>
    public sealed record Result(string Path, long Bytes, string Architecture, int Tensors, IReadOnlyDictionary<string, int> TypeCounts, GgufVocabulary Vocabulary, int ContextLength);

    /// <summary>Exports <paramref name="checkpoint"/> to <paramref name="path"/> in <paramref name="format"/> (a canonical name of <see cref="GgufQuantization.Formats"/>).</summary>
    /// <exception cref="ExportException">The config, tokenizer or weights are unsupported or inconsistent.</exception>
    /// <exception cref="SafeTensorsException">The weights are missing or malformed.</exception>
    public static Result Export(string checkpoint, string path, string format, TextWriter log, CancellationToken cancellation, bool pure = false)
    {
        if (OliveNet.Passes.Export.Whisper.WhisperConfig.IsFolder(checkpoint))
        {
            throw new ExportException(WhisperRefusal(checkpoint));
        }

        var config = HfConfig.Load(checkpoint);
        if (Refusal(config, checkpoint) is { } refusal)
        {
            throw new ExportException(refusal);
        }

        using var weights = SafeTensorsCheckpoint.Open(checkpoint);
        return new GgufExporter(config, weights, format, pure).Write(checkpoint, path, log, cancellation);
    }

    private Result Write(string checkpoint, string path, TextWriter log, CancellationToken cancellation)
    {
        var embedding = _weights.Info("model.embed_tokens.weight");
        var rows = (int)embedding.Shape[0];
        var configJson = (JsonObject)_config.Raw.DeepClone();
        foreach (var (key, value) in _config.Generation)
        {
            configJson.TryAdd(key, value?.DeepClone());
        }

        // Gemma 3's converter drops the padding rows past the tokenizer's vocabulary; the others pad the vocabulary instead.
        var vocabulary = GgufVocabulary.Load(checkpoint, _config.Family == DecoderFamily.Gemma3 ? 0 : rows, configJson);
        if (vocabulary.Tokens.Count > rows)
        {
            throw new ExportException($"{checkpoint}: tokenizer.json has {vocabulary.Tokens.Count} tokens but the embedding only {rows} rows; are tokenizer and weights from the same model?");
        }

        if (_config.Family == DecoderFamily.Mistral && _config.Number("sliding_window") is double window && window < _config.MaxPositions)
        {
            log.WriteLine($"GgufExport: llama.cpp runs Mistral as 'llama', which attends to the whole context; the checkpoint's sliding window of {window} tokens is not applied (same results for prompts up to {window} tokens).");
        }

        if (vocabulary.Model == "gpt2" && vocabulary.Pre == "default")
        {
            log.WriteLine("GgufExport: tokenizer.json's pre-tokenizer split is not one OliveNet maps to a llama.cpp name (llama-bpe, qwen2, gpt-4o, gpt-2); wrote 'default', with which llama.cpp may split text differently from the checkpoint's tokenizer.");
        }

        var writer = new GgufWriter();
        WriteMetadata(writer, checkpoint, vocabulary);
        vocabulary.WriteTo(writer);
        var types = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var tensor in Tensors(vocabulary.Tokens.Count))
        {
            writer.Add(tensor);
            types[tensor.Type.ToString()] = types.GetValueOrDefault(tensor.Type.ToString()) + 1;
        }

        log.WriteLine($"GgufExport: {_config.Architecture} as '{_arch}', {_format}{(_pure ? " (pure)" : "")}, {writer.Tensors.Count} tensors ({string.Join(", ", types.Select(t => $"{t.Value} {t.Key}"))})");
        var bytes = writer.Write(path, cancellation);
        log.WriteLine($"GgufExport: wrote {path} ({bytes / 1e6:0.0} MB)");
        return new Result(path, bytes, _arch, writer.Tensors.Count, types, vocabulary, _config.MaxPositions);
    }

    private void WriteMetadata(GgufWriter w, string checkpoint, GgufVocabulary vocabulary)
    {
        var c = _config;
        var name = c.Raw["_name_or_path"]?.GetValue<string>() is { Length: > 0 } n ? n.Split('/')[^1] : Path.GetFileName(Path.TrimEndingDirectorySeparator(checkpoint));

        // llama.cpp adjusts the attributes of Phi-3's "</s>", "<unk>", "<s>" and "<|endoftext|>" when general.name
        // mentions phi3, and fails to load a vocabulary without them; such a name is not written then.
        var lower = name.ToLowerInvariant();
        if ((lower.Contains("phi3", StringComparison.Ordinal) || lower.Contains("phi-3", StringComparison.Ordinal))
            && !PhiTokens.All(vocabulary.Tokens.Contains))
        {
            name = "model";
        }
        w.Add("general.architecture", _arch);
        w.Add("general.type", "model");
        w.Add("general.name", name);
        w.Add("general.file_type", GgufQuantization.FileType(_format));
        w.Add("general.quantization_version", 2u);
        w.Add($"{_arch}.context_length", (uint)c.MaxPositions);
        w.Add($"{_arch}.embedding_length", (uint)c.Hidden);
        w.Add($"{_arch}.feed_forward_length", (uint)c.Intermediate);
        w.Add($"{_arch}.block_count", (uint)c.Layers);
        w.Add($"{_arch}.attention.head_count", (uint)c.Heads);
        w.Add($"{_arch}.attention.head_count_kv", (uint)c.KvHeads);
        w.Add($"{_arch}.attention.layer_norm_rms_epsilon", c.RmsEps);
        w.Add($"{_arch}.rope.freq_base", (float)FrequencyBase(c));
        w.Add($"{_arch}.rope.dimension_count", (uint)c.RotaryDim);
        if (c.HeadDim != c.Hidden / c.Heads || c.Raw.ContainsKey("head_dim"))
        {
            w.Add($"{_arch}.attention.key_length", (uint)c.HeadDim);
            w.Add($"{_arch}.attention.value_length", (uint)c.HeadDim);
        }

        var scaling = c.Raw["rope_scaling"] as JsonObject;
        switch (RopeTables.Kind(scaling))
        {
            case "linear":
                w.Add($"{_arch}.rope.scaling.type", "linear");
                w.Add($"{_arch}.rope.scaling.factor", (float)scaling!["factor"]!.GetValue<double>());
                break;
            case "longrope" or "su":
                var original = OriginalContext(scaling!);
                w.Add($"{_arch}.rope.scaling.original_context_length", (uint)original);
                w.Add($"{_arch}.rope.scaling.attn_factor", (float)RopeTables.LongRopeMagnitude(scaling!, c.MaxPositions, original));
                break;
            case null or "default" or "llama3":
                break;
            case "dynamic" when c.Family == DecoderFamily.HunYuanDense && scaling!["alpha"] is not null:
                break; // NTK-alpha lives in the frequency base

            case var other:
                throw new ExportException($"config.json rope_scaling type '{other}' is not supported by GgufExport; supported: default, linear, llama3, longrope.");
        }

        var window = c.Number("sliding_window");
        if (c.Family == DecoderFamily.Gemma3 && window is > 0)
        {
            w.Add($"{_arch}.attention.sliding_window", (uint)window.Value);
        }
        else if (c.Family == DecoderFamily.Phi3 && window is > 0 && window < c.MaxPositions)
        {
            w.Add($"{_arch}.attention.sliding_window", (uint)window.Value);
        }
    }

    /// <summary>rope_theta, or for HunYuan's NTK-alpha scaling the fixed larger base θ·α^(d/(d−2)) its rotary uses.</summary>
    private static double FrequencyBase(HfConfig c) =>
        c.Family == DecoderFamily.HunYuanDense && c.Raw["rope_scaling"] is JsonObject s && RopeTables.Kind(s) == "dynamic" && s["alpha"] is JsonValue alpha
            ? c.RopeTheta * Math.Pow(alpha.GetValue<double>(), c.RotaryDim / (c.RotaryDim - 2.0))
            : c.RopeTheta;

    private int OriginalContext(JsonObject scaling) =>
        (int)(_config.Number("original_max_position_embeddings") ?? scaling["original_max_position_embeddings"]?.GetValue<double>() ?? _config.MaxPositions);
}
