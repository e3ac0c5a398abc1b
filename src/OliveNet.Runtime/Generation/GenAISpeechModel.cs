using System.Runtime.InteropServices;
using System.Text.Json;
using OliveNet.Runtime.Speech;
using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace OliveNet.Runtime.Generation;

/// <summary>
/// A Whisper model run by ONNX Runtime GenAI (genai_config.json model type <c>whisper</c>: encoder + decoder and
/// audio_processor_config.json, as ModelBuilder exports it): GenAI's audio processor turns audio into log-mel features,
/// the encoder runs once, and the decoder greedy-decodes after a prompt of Whisper's special tokens. <see cref="Prompt"/>
/// is Olive's choice for the model (English-only or multilingual) and <see cref="MaxLength"/> genai_config.json's
/// search.max_length; <see cref="Transcribe(byte[])"/> is Olive's speech-evaluation transcription (what the <c>wer</c>
/// and <c>rtfx</c> metrics time).
/// </summary>
/// <remarks>Not thread-safe: one transcription at a time.</remarks>
public sealed class GenAISpeechModel : IDisposable
{
    /// <summary>Whisper's sample rate; ONNX Runtime GenAI's audio decoder only down-samples to it.</summary>
    public const int WhisperRate = 16000;

    /// <summary>Olive's decoder prompt for multilingual Whisper models: English, transcribe, no timestamps.</summary>
    public const string MultilingualPrompt = "<|startoftranscript|><|en|><|transcribe|><|notimestamps|>";

    /// <summary>Olive's decoder prompt for English-only Whisper models (vocabulary 51864), which have no language or task tokens.</summary>
    public const string EnglishOnlyPrompt = "<|startoftranscript|><|notimestamps|>";

    /// <summary>The vocabulary size of English-only Whisper checkpoints (*.en).</summary>
    public const int EnglishOnlyVocabSize = 51864;

    private readonly GenAI.Model _model;
    private readonly GenAI.MultiModalProcessor _processor;

    private GenAISpeechModel(string directory, GenAI.Model model, int vocabSize, int maxLength)
    {
        Directory = directory;
        _model = model;
        _processor = new GenAI.MultiModalProcessor(model);
        Prompt = vocabSize == EnglishOnlyVocabSize ? EnglishOnlyPrompt : MultilingualPrompt;
        MaxLength = maxLength;
    }

    /// <summary>The model folder.</summary>
    public string Directory { get; }

    /// <summary>The decoder prompt: <see cref="EnglishOnlyPrompt"/> for a vocabulary of 51864, else <see cref="MultilingualPrompt"/>.</summary>
    public string Prompt { get; }

    /// <summary>Most tokens per transcript, prompt included (genai_config.json search.max_length; 448 when absent).</summary>
    public int MaxLength { get; }

    /// <summary>Loads the Whisper folder in <paramref name="directory"/>.</summary>
    /// <exception cref="GenerationException">No genai_config.json, a model type other than whisper, or GenAI cannot load
    /// the model; the message says which folder and why.</exception>
    public static GenAISpeechModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var configPath = Path.Combine(directory, "genai_config.json");
        if (!File.Exists(configPath))
        {
            throw new GenerationException($"{directory} has no genai_config.json; speech models (and the wer and rtfx metrics) run on a Whisper folder in the GenAI layout (genai_config.json, encoder and decoder .onnx, audio_processor_config.json) that a ModelBuilder pass writes for a Whisper checkpoint");
        }

        int vocab, maxLength;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(configPath));
            var root = doc.RootElement;
            var type = root.TryGetProperty("model", out var m) && m.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type != "whisper")
            {
                throw new GenerationException($"{configPath}: model type '{type}' is not a Whisper model; speech models (and the wer and rtfx metrics) transcribe with genai_config.json model type whisper only (Olive's chat-style audio models such as gemma4, and streaming ASR, are not supported)");
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
            return new GenAISpeechModel(directory, new GenAI.Model(directory), vocab, maxLength);
        }
        catch (GenAI.OnnxRuntimeGenAIException e)
        {
            throw new GenerationException($"ONNX Runtime GenAI cannot load {directory}: {e.Message}");
        }
    }

    /// <summary>
    /// Olive's transcription of one clip (at most the 30 s Whisper's encoder takes) given as WAV bytes: the processor's
    /// features with <see cref="Prompt"/>, greedy search up to <see cref="MaxLength"/>, the whole sequence decoded
    /// (special tokens dropped) and trimmed.
    /// </summary>
    /// <exception cref="GenerationException">GenAI rejected the audio or failed while generating.</exception>
    public string Transcribe(byte[] wav)
    {
        ArgumentNullException.ThrowIfNull(wav);
        try
        {
            using var audios = GenAI.Audios.Load(wav);
            using var generator = Start(Prompt, audios, 0);
            return _processor.Decode(Finish(generator)).Trim();
        }
        catch (GenAI.OnnxRuntimeGenAIException e)
        {
            throw new GenerationException($"ONNX Runtime GenAI failed while transcribing with {Directory}: {e.Message}");
        }
    }

    /// <summary>
    /// Greedy-transcribes the audio file <paramref name="audioPath"/> (wav, flac or mp3; one 30 s window; wav below
    /// 16 kHz is up-sampled first with <see cref="Resampler"/>, as GenAI's decoder only down-samples) after
    /// <paramref name="prompt"/> (<see cref="Prompt"/> when null), up to <paramref name="maxLength"/> tokens
    /// (<see cref="MaxLength"/> when 0); returns the whole sequence (prompt ids first), the ids after the prompt, the
    /// decoded text of those ids, and the log-mel features GenAI's processor computed ([mels, 3000]).
    /// </summary>
    /// <exception cref="GenerationException">The file cannot be read or GenAI fails.</exception>
    public SpeechResult Transcribe(string audioPath, string? prompt = null, int maxLength = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(audioPath);
        try
        {
            using var audios = LoadAudio(audioPath);
            using var generator = Start(prompt ?? Prompt, audios, maxLength);
            var features = generator.GetInput("audio_features").GetData<float>().ToArray();
            return Result(generator, features);
        }
        catch (GenAI.OnnxRuntimeGenAIException e)
        {
            throw new GenerationException($"ONNX Runtime GenAI failed to transcribe {audioPath} with {Directory}: {e.Message}");
        }
        catch (InvalidDataException e)
        {
            throw new GenerationException($"{audioPath}: cannot read the audio ({e.Message}).");
        }
    }

    /// <summary>
    /// Greedy-decodes after the token ids <paramref name="prompt"/> given log-mel <paramref name="features"/>
    /// ([mels, 3000] row-major) instead of an audio file, bypassing GenAI's feature extraction.
    /// </summary>
    /// <exception cref="GenerationException">GenAI fails.</exception>
    public SpeechResult Transcribe(float[] features, int mels, IReadOnlyList<int> prompt, int maxLength = 0)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(prompt);
        var handle = GCHandle.Alloc(features, GCHandleType.Pinned);
        try
        {
            using var parameters = Parameters(maxLength);
            using var generator = new GenAI.Generator(_model, parameters);
            using var tensor = new GenAI.Tensor(handle.AddrOfPinnedObject(), [1, mels, features.Length / mels], GenAI.ElementType.float32);
            generator.SetModelInput("audio_features", tensor);
            generator.AppendTokens(prompt.ToArray());
            return Result(generator, features);
        }
        catch (GenAI.OnnxRuntimeGenAIException e)
        {
            throw new GenerationException($"ONNX Runtime GenAI failed to decode features with {Directory}: {e.Message}");
        }
        finally
        {
            handle.Free();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _processor.Dispose();
        _model.Dispose();
    }

    /// <summary>A WAV file below <see cref="WhisperRate"/> up-sampled in memory; any other file as GenAI reads it.</summary>
    private static GenAI.Audios LoadAudio(string path)
    {
        if (path.EndsWith(".wav", StringComparison.OrdinalIgnoreCase))
        {
            var audio = WavReader.Read(path);
            if (audio.SampleRate < WhisperRate)
            {
                return GenAI.Audios.Load(WavReader.WritePcm16(Resampler.Resample(audio, WhisperRate)));
            }
        }

        return GenAI.Audios.Load([path]);
    }

    /// <summary>The one place GenAI's processor and generator run on audio: <paramref name="prompt"/> and the features
    /// of <paramref name="audios"/> set as inputs (which appends and runs the prompt).</summary>
    private GenAI.Generator Start(string prompt, GenAI.Audios audios, int maxLength)
    {
        using var inputs = _processor.ProcessAudios(prompt, audios);
        using var parameters = Parameters(maxLength);
        var generator = new GenAI.Generator(_model, parameters);
        try
        {
            generator.SetInputs(inputs);
            return generator;
        }
        catch
        {
            generator.Dispose();
            throw;
        }
    }

    /// <summary>Greedy search (no sampling, one sequence) up to <paramref name="maxLength"/> tokens, <see cref="MaxLength"/> when 0.</summary>
    private GenAI.GeneratorParams Parameters(int maxLength)
    {
        var parameters = new GenAI.GeneratorParams(_model);
        parameters.SetSearchOption("do_sample", false);
        parameters.SetSearchOption("max_length", maxLength > 0 ? maxLength : MaxLength);
        parameters.SetSearchOption("min_length", 0);
        parameters.SetSearchOption("batch_size", 1);
        return parameters;
    }

    /// <summary>Generates to the end; the whole sequence.</summary>
    private static int[] Finish(GenAI.Generator generator)
    {
        while (!generator.IsDone())
        {
            generator.GenerateNextToken();
        }

        return generator.GetSequence(0).ToArray();
    }

    private SpeechResult Result(GenAI.Generator generator, float[] features)
    {
        // SetInputs and AppendTokens have appended (and run) the prompt: the sequence holds exactly its ids here.
        var prompt = (int)generator.GetSequence(0).Length;
        var sequence = Finish(generator);
        var tokens = sequence[prompt..];
        return new SpeechResult(sequence, tokens, _processor.Decode(tokens), features);
    }
}

/// <summary>A transcription: the whole token sequence, the ids after the prompt, their text, and the model's input features.</summary>
public sealed record SpeechResult(int[] Sequence, int[] Tokens, string Text, float[] Features);
