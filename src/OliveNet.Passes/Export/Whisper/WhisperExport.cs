using System.Text.Json.Nodes;
using Google.Protobuf;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Export.Onnx;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Export.Whisper;

/// <summary>
/// ModelBuilder's export of a Whisper checkpoint into the folder ONNX Runtime GenAI's <c>whisper</c> model type loads:
/// the decoder as <c>model.onnx</c> (+ <c>model.onnx.data</c>), the encoder as <c>encoder.onnx</c> (+
/// <c>encoder.onnx.data</c>), <c>genai_config.json</c> naming both files and their I/O, <c>audio_processor_config.json</c>
/// (GenAI's log-mel feature extraction), and the checkpoint's tokenizer, generation and preprocessor files.
/// </summary>
internal static class WhisperExport
{
    /// <summary>The decoder's file: the folder's entry model, as for every ModelBuilder export.</summary>
    public const string DecoderFile = "model.onnx";

    /// <summary>The encoder's file.</summary>
    public const string EncoderFile = "encoder.onnx";

    /// <summary>The audio feature extraction config GenAI's Whisper processor reads (its default name).</summary>
    public const string AudioProcessorFile = "audio_processor_config.json";

    /// <summary>Companion files of Whisper checkpoints copied beside the tokenizer files when present.</summary>
    private static readonly string[] SpeechFiles = ["preprocessor_config.json", "normalizer.json"];

    /// <summary>Why <paramref name="settings"/> cannot export Whisper, or null when it can.</summary>
    public static string? Refusal(ExportSettings settings)
    {
        if (settings.Precision == "fp16")
        {
            return $"precision 'fp16' is not supported for Whisper ({WhisperConfig.ArchitectureName}) on CPU; export fp32 (Olive's Whisper CPU recipes do, then quantize), or int8/int4.";
        }

        return settings.ExcludeEmbeds || settings.ExcludeLmHead
            ? $"exclude_embeds / exclude_lm_head are not supported for Whisper ({WhisperConfig.ArchitectureName}): GenAI's Whisper pipeline feeds the decoder token ids and reads its logits; drop the option."
            : null;
    }

    /// <summary>Exports the Whisper checkpoint in <paramref name="checkpoint"/> into <paramref name="output"/>.</summary>
    /// <exception cref="ExportException">The config or options are unsupported, or config and weights disagree.</exception>
    /// <exception cref="SafeTensorsException">The weights are missing or malformed.</exception>
    public static void Export(string checkpoint, string output, ExportSettings settings, TextWriter log, CancellationToken cancellation)
    {
        if (Refusal(settings) is { } refusal)
        {
            throw new ExportException($"{Path.Combine(checkpoint, "config.json")}: {refusal}");
        }

        var config = WhisperConfig.Load(checkpoint);
        using var weights = SafeTensorsCheckpoint.Open(checkpoint);
        var reader = new WeightReader(CheckpointTensors.Create(weights, config.Raw));
        Directory.CreateDirectory(output);
        log.WriteLine($"{ModelBuilderPass.PassId}: {WhisperConfig.ArchitectureName}, {config.EncoderLayers} encoder + {config.DecoderLayers} decoder layers, d_model {config.DModel}, heads {config.EncoderHeads}/{config.DecoderHeads}, {config.Mels} mels, precision {settings.Precision}");
        var encoderBytes = Write(output, EncoderFile, g => new WhisperBuilder(config, reader, g, settings).Encoder(cancellation));
        var decoderBytes = Write(output, DecoderFile, g => new WhisperBuilder(config, reader, g, settings).Decoder(cancellation));
        GenAiConfig.Write(GenAiWhisperConfig(config), output);
        WriteJson(AudioProcessorConfig(config.Mels), Path.Combine(output, AudioProcessorFile));
        foreach (var file in ModelBuilderPass.TokenizerFiles.Concat(SpeechFiles).Where(f => File.Exists(Path.Combine(checkpoint, f))))
        {
            File.Copy(Path.Combine(checkpoint, file), Path.Combine(output, file), overwrite: true);
        }

        log.WriteLine($"{ModelBuilderPass.PassId}: wrote {Path.Combine(output, EncoderFile)} ({encoderBytes / 1e6:0.0} MB of weights) and {Path.Combine(output, DecoderFile)} ({decoderBytes / 1e6:0.0} MB)");
    }

    /// <summary>
    /// <c>genai_config.json</c> for GenAI's <c>whisper</c> type: the decoder section (self-attention cache
    /// <c>past_key_self_%d</c> → <c>present_key_self_%d</c>, cross cache inputs <c>past_key_cross_%d</c>), the encoder
    /// section (<c>audio_features</c> → <c>hidden_states</c> and the cross cache <c>present_key_cross_%d</c>), ids from
    /// generation_config.json or config.json, and greedy search over at most max_target_positions tokens with
    /// separate past and present buffers (the decoder concatenates its cache).
    /// </summary>
    public static JsonObject GenAiWhisperConfig(WhisperConfig c)
    {
        static JsonObject Session() => new() { ["log_id"] = "onnxruntime-genai", ["provider_options"] = new JsonArray() };
        var eos = c.Id("eos_token_id", 50257);
        return new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["bos_token_id"] = c.Id("bos_token_id", 50257),
                ["context_length"] = c.TargetPositions,
                ["decoder"] = new JsonObject
                {
                    ["session_options"] = Session(),
                    ["filename"] = DecoderFile,
                    ["head_size"] = c.DecoderHeadSize,
                    ["hidden_size"] = c.DModel,
                    ["inputs"] = new JsonObject
                    {
                        ["input_ids"] = "input_ids",
                        ["past_key_names"] = "past_key_self_%d",
                        ["past_value_names"] = "past_value_self_%d",
                        ["cross_past_key_names"] = "past_key_cross_%d",
                        ["cross_past_value_names"] = "past_value_cross_%d",
                    },
                    ["outputs"] = new JsonObject
                    {
                        ["logits"] = "logits",
                        ["present_key_names"] = "present_key_self_%d",
                        ["present_value_names"] = "present_value_self_%d",
                    },
                    ["num_attention_heads"] = c.DecoderHeads,
                    ["num_hidden_layers"] = c.DecoderLayers,
                    ["num_key_value_heads"] = c.DecoderHeads,
                },
                ["encoder"] = new JsonObject
                {
                    ["session_options"] = Session(),
                    ["filename"] = EncoderFile,
                    ["head_size"] = c.EncoderHeadSize,
                    ["hidden_size"] = c.DModel,
                    ["inputs"] = new JsonObject { ["audio_features"] = "audio_features" },
                    ["outputs"] = new JsonObject
                    {
                        ["encoder_hidden_states"] = "hidden_states",
                        ["cross_present_key_names"] = "present_key_cross_%d",
                        ["cross_present_value_names"] = "present_value_cross_%d",
                    },
                    ["num_attention_heads"] = c.EncoderHeads,
                    ["num_hidden_layers"] = c.EncoderLayers,
                    ["num_key_value_heads"] = c.EncoderHeads,
                },
                ["eos_token_id"] = eos,
                ["pad_token_id"] = c.Id("pad_token_id", 50257),
                ["type"] = "whisper",
                ["vocab_size"] = c.Vocab,
            },
            ["search"] = new JsonObject
            {
                ["diversity_penalty"] = 0.0,
                ["do_sample"] = false,
                ["early_stopping"] = true,
                ["length_penalty"] = 1.0,
                ["max_length"] = c.TargetPositions,
                ["min_length"] = 0,
                ["no_repeat_ngram_size"] = 0,
                ["num_beams"] = 1,
                ["num_return_sequences"] = 1,
                ["past_present_share_buffer"] = false,
                ["repetition_penalty"] = 1.0,
                ["temperature"] = 1.0,
                ["top_k"] = 1,
                ["top_p"] = 1.0,
            },
        };
    }

    /// <summary>
    /// onnxruntime-extensions' speech feature extraction as GenAI's Whisper processor runs it: decode the audio file
    /// (resampled to 16 kHz mono), STFT with a 400-sample window and 160-sample hop, and Whisper's log-mel spectrum
    /// of <paramref name="mels"/> bins over 30 s chunks (3000 frames).
    /// </summary>
    public static JsonObject AudioProcessorConfig(int mels)
    {
        static JsonObject Operation(string name, string type, JsonObject? attributes = null)
        {
            var operation = new JsonObject { ["name"] = name, ["type"] = type };
            if (attributes is not null)
            {
                operation["attrs"] = attributes;
            }

            return new JsonObject { ["operation"] = operation };
        }

        return new JsonObject
        {
            ["feature_extraction"] = new JsonObject
            {
                ["sequence"] = new JsonArray(
                    Operation("audio_decoder", "AudioDecoder"),
                    Operation("STFT", "STFTNorm", new JsonObject { ["n_fft"] = 400, ["frame_length"] = 400, ["hop_length"] = 160 }),
                    Operation("log_mel_spectrogram", "LogMelSpectrum", new JsonObject { ["chunk_size"] = 30, ["hop_length"] = 160, ["n_fft"] = 400, ["n_mel"] = mels })),
            },
        };
    }

    private static long Write(string output, string file, Action<GraphBuilder> build)
    {
        using var data = new ExternalDataWriter(output, file + ".data");
        var graph = new GraphBuilder(data);
        build(graph);
        var model = new ModelProto { IrVersion = 10, ProducerName = "olivenet", Graph = graph.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 21 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = GraphBuilder.Ms, Version = 1 });
        var bytes = data.Length;
        data.Commit();
        var path = Path.Combine(output, file);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            model.WriteTo(stream);
        }

        File.Move(temp, path, overwrite: true);
        return bytes;
    }

    private static void WriteJson(JsonObject json, string path)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temp, path, overwrite: true);
    }
}
