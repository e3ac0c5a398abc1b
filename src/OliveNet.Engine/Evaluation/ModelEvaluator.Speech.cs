using System.Diagnostics;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Data;
using OliveNet.Engine.Data.Speech;
using OliveNet.Runtime;
using OliveNet.Runtime.Generation;
using OliveNet.Runtime.Speech;

namespace OliveNet.Engine.Evaluation;

public sealed partial class ModelEvaluator
{
    /// <summary>Whisper's encoder takes at most 30 s; Olive cuts longer clips into consecutive 30 s pieces.</summary>
    internal const int ChunkSeconds = 30;

    /// <summary>The rate Whisper's features are computed at.</summary>
    private const int WhisperRate = GenAISpeechModel.WhisperRate;

    private static readonly string[] SpeechConfigFiles = ["genai_config.json", "audio_processor_config.json", "tokenizer.json"];

    private readonly Dictionary<string, LoadedData> _speech = new(StringComparer.Ordinal);

    /// <summary>A speech data config's clips, decoded and resampled once per evaluator (they do not depend on the model).</summary>
    private LoadedData SpeechData(DataConfigSpec config)
    {
        if (!_speech.TryGetValue(config.Name, out var loaded))
        {
            var (speech, sha) = SpeechDataset.Load(config);
            loaded = new LoadedData(config.Name, [], sha, config.PostProcess, Speech: speech);
            _speech[config.Name] = loaded;
        }

        return loaded;
    }

    /// <summary>
    /// Olive's speech evaluation of a Whisper folder through ONNX Runtime GenAI: <c>wer</c> over every transcript
    /// (normalized unless the sub-type's <c>normalize</c> is false) and <c>rtfx</c>, audio seconds over the seconds spent
    /// transcribing (WAV encoding, features, generation and decoding per clip; model loading excluded), rounded to two
    /// decimals as Olive reports it.
    /// </summary>
    private static Dictionary<string, double> Speech(MetricSpec metric, ModelArtifact model, LoadedData loaded, CancellationToken cancellation)
    {
        var speech = loaded.Speech!;
        if (metric.SubTypes.FirstOrDefault(x => !MetricTypes.SpeechSubTypes.Contains(x.Name)) is { } other)
        {
            throw new DataException($"metric {metric.Name}: sub-type {other.Name} cannot be computed on speech data config {loaded.Name}; speech gives {string.Join(" and ", MetricTypes.SpeechSubTypes)}");
        }

        if (speech.SampleRate < WhisperRate)
        {
            throw new DataException($"metric {metric.Name}: data config {loaded.Name} has sample_rate {speech.SampleRate}, below Whisper's {WhisperRate} Hz, and ONNX Runtime GenAI's audio decoder only down-samples; set sample_rate to {WhisperRate} (every clip is resampled to it)");
        }

        using var asr = Open(metric, model, (folder, _) => GenAISpeechModel.Load(folder));
        using var step = Workflows.RunProgress.Step($"{metric.Name} ({metric.Type})", speech.Samples.Count);
        var (transcripts, seconds) = Transcribe(asr, speech, step.Advance, cancellation);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var sub in metric.SubTypes)
        {
            result[sub.Name] = sub.Name == "wer"
                ? AccuracyScores.WordErrorRate(transcripts, [.. speech.Samples.Select(s => (object)s.Text)], NormalizeWer(metric, sub))
                : seconds == 0 ? double.PositiveInfinity : Math.Round(speech.Seconds / seconds, 2);
        }

        return result;
    }

    /// <summary>Every clip's transcript and the seconds spent producing them.</summary>
    /// <exception cref="DataException">GenAI failed on a clip; the message names it.</exception>
    internal static (IReadOnlyList<object> Transcripts, double Seconds) Transcribe(GenAISpeechModel asr, SpeechData speech, Action? onClip = null, CancellationToken cancellation = default)
    {
        var transcripts = new List<object>(speech.Samples.Count);
        var elapsed = TimeSpan.Zero;
        foreach (var sample in speech.Samples)
        {
            cancellation.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            try
            {
                transcripts.Add(Transcribe(asr, sample.Audio));
            }
            catch (GenerationException e)
            {
                throw new DataException($"clip {sample.FileName}: {e.Message}");
            }

            elapsed += Stopwatch.GetElapsedTime(start);
            onClip?.Invoke();
        }

        return (transcripts, elapsed.TotalSeconds);
    }

    /// <summary>One clip: consecutive 30 s pieces, each written as 16-bit PCM WAV (as Olive hands GenAI its audio), transcribed, joined by spaces.</summary>
    internal static string Transcribe(GenAISpeechModel asr, Audio audio)
    {
        var chunk = ChunkSeconds * audio.SampleRate;
        var pieces = new List<string>();
        for (var start = 0; start < Math.Max(1, audio.Samples.Length); start += chunk)
        {
            var samples = audio.Samples.AsSpan(start, Math.Min(chunk, audio.Samples.Length - start)).ToArray();
            pieces.Add(asr.Transcribe(WavReader.WritePcm16(new Audio(samples, audio.SampleRate))));
        }

        return string.Join(" ", pieces);
    }

    /// <summary>
    /// What a speech evaluation depends on beyond the model id (which covers the ONNX components, encoder included): the
    /// runtimes, and genai_config.json, audio_processor_config.json and tokenizer.json, so that a pass changing only a
    /// configuration (search length, features, tokens) is not answered from the evaluation cache.
    /// </summary>
    private static string SpeechRuntime(ModelArtifact model)
    {
        var fingerprint = string.Join(",", SpeechConfigFiles
            .Select(name => Path.Combine(model.Folder, name))
            .Select(f => File.Exists(f) ? Artifacts.ArtifactHasher.HashFile(f)[..16] : "-"));
        return $"{OrtRuntime.Version}+genai-{GenAILanguageModel.Version}+{fingerprint}";
    }

    /// <summary>Olive's <c>normalize</c> setting of wer (metric_config or user_config), default true.</summary>
    private static bool NormalizeWer(MetricSpec metric, SubMetricSpec sub) =>
        (sub.Parameters["normalize"] ?? metric.UserConfig["normalize"]) is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<bool>(out var b) ? b : true;
}
