using System.Text.Json;
using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace OliveNet.Runtime.Generation;

/// <summary>
/// Olive's speech-evaluation transcription of a Whisper folder run by ONNX Runtime GenAI (genai_config.json type
/// <c>whisper</c>: encoder, decoder and audio_processor_config.json): WAV bytes in, greedy transcript out, with Olive's
/// prompt choice and genai_config.json's max_length. What the <c>wer</c> and <c>rtfx</c> metrics time.
/// </summary>
/// <remarks>Not thread-safe: one transcription at a time.</remarks>
public sealed class GenAITranscriber : IDisposable
{
    /// <summary>Olive's decoder prompt for multilingual Whisper models: English, transcribe, no timestamps.</summary>
    public const string MultilingualPrompt = "<|startoftranscript|><|en|><|transcribe|><|notimestamps|>";

    /// <summary>Olive's decoder prompt for English-only Whisper models (vocabulary 51864), which have no language or task tokens.</summary>
    public const string EnglishOnlyPrompt = "<|startoftranscript|><|notimestamps|>";

    /// <summary>The vocabulary size of English-only Whisper checkpoints (*.en).</summary>
    public const int EnglishOnlyVocabSize = 51864;

    private readonly GenAI.Model model;
    private readonly GenAI.MultiModalProcessor processor;

    private GenAITranscriber(string directory, GenAI.Model model, int vocabSize, int maxLength)
    {
        Directory = directory;
        this.model = model;
        processor = new GenAI.MultiModalProcessor(model);
        Prompt = vocabSize == EnglishOnlyVocabSize ? EnglishOnlyPrompt : MultilingualPrompt;
        MaxLength = maxLength;
    }

    /// <summary>The model folder.</summary>
    public string Directory { get; }

    /// <summary>The decoder prompt: <see cref="EnglishOnlyPrompt"/> for a vocabulary of 51864, else <see cref="MultilingualPrompt"/>.</summary>
    public string Prompt { get; }

    /// <summary>Most tokens per transcript, prompt included (genai_config.json search.max_length; 448 when absent).</summary>
    public int MaxLength { get; }

    /// <summary>Loads the model in <paramref name="directory"/>.</summary>
    /// <exception cref="GenerationException">No genai_config.json, or GenAI cannot load the model; the message says why.</exception>
    public static GenAITranscriber Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var configPath = Path.Combine(directory, "genai_config.json");
        if (!File.Exists(configPath))
        {
            throw new GenerationException($"{directory} has no genai_config.json; speech metrics run on a Whisper folder in the GenAI layout (genai_config.json, encoder and decoder .onnx, audio_processor_config.json)");
        }

        int vocab, maxLength;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(configPath));
            var root = doc.RootElement;
            var type = root.TryGetProperty("model", out var m) && m.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type != "whisper")
            {
                throw new GenerationException($"{configPath}: model type '{type}' is not a Whisper model; speech metrics (wer, rtfx) transcribe with genai_config.json model type whisper only (Olive's chat-style audio models such as gemma4, and streaming ASR, are not supported)");
            }

            vocab = m.TryGetProperty("vocab_size", out var v) ? v.GetInt32() : 51865;
            maxLength = root.TryGetProperty("search", out var s) && s.TryGetProperty("max_length", out var l) ? l.GetInt32() : 448;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new GenerationException($"{configPath}: not a readable genai_config.json ({e.Message})");
        }

        try
        {
            return new GenAITranscriber(directory, new GenAI.Model(directory), vocab, maxLength);
        }
        catch (GenAI.OnnxRuntimeGenAIException e)
        {
            throw new GenerationException($"ONNX Runtime GenAI cannot load {directory}: {e.Message}");
        }
    }

    /// <summary>
    /// Transcribes one clip (at most the 30 s Whisper's encoder takes) given as WAV bytes: the processor's features with
    /// <see cref="Prompt"/>, greedy search up to <see cref="MaxLength"/>, the whole sequence decoded (special tokens
    /// dropped) and trimmed.
    /// </summary>
    /// <exception cref="GenerationException">GenAI rejected the audio or failed while generating.</exception>
    public string Transcribe(byte[] wav)
    {
        ArgumentNullException.ThrowIfNull(wav);
        try
        {
            using var audios = GenAI.Audios.Load(wav);
            using var inputs = processor.ProcessAudios(Prompt, audios);
            using var parameters = new GenAI.GeneratorParams(model);
            parameters.SetSearchOption("do_sample", false);
            parameters.SetSearchOption("max_length", MaxLength);
            parameters.SetSearchOption("min_length", 0);
            parameters.SetSearchOption("batch_size", 1);
            using var generator = new GenAI.Generator(model, parameters);
            generator.SetInputs(inputs);
            while (!generator.IsDone())
            {
                generator.GenerateNextToken();
            }

            return processor.Decode(generator.GetSequence(0)).Trim();
        }
        catch (GenAI.OnnxRuntimeGenAIException e)
        {
            throw new GenerationException($"ONNX Runtime GenAI failed while transcribing with {Directory}: {e.Message}");
        }
    }

    public void Dispose()
    {
        processor.Dispose();
        model.Dispose();
    }
}
