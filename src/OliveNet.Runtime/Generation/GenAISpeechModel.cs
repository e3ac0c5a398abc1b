using System.Runtime.InteropServices;
using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace OliveNet.Runtime.Generation;

/// <summary>
/// A Whisper model run by ONNX Runtime GenAI (model type <c>whisper</c>: encoder + decoder, as ModelBuilder exports it):
/// GenAI's audio processor turns an audio file into log-mel features (audio_processor_config.json), the encoder runs
/// once, and the decoder greedy-decodes after a prompt of Whisper's special tokens.
/// </summary>
/// <remarks>Not thread-safe: one transcription at a time.</remarks>
public sealed class GenAISpeechModel : IDisposable
{
    /// <summary>Whisper's prompt for English transcription without timestamps.</summary>
    public const string EnglishTranscriptionPrompt = "<|startoftranscript|><|en|><|transcribe|><|notimestamps|>";

    private readonly GenAI.Model _model;
    private readonly GenAI.MultiModalProcessor _processor;

    private GenAISpeechModel(string directory, GenAI.Model model)
    {
        Directory = directory;
        _model = model;
        _processor = new GenAI.MultiModalProcessor(model);
    }

    /// <summary>The model folder.</summary>
    public string Directory { get; }

    /// <summary>Loads the Whisper folder in <paramref name="directory"/> (genai_config.json of type whisper).</summary>
    /// <exception cref="GenerationException">GenAI cannot load it; the message says which folder and why.</exception>
    public static GenAISpeechModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!File.Exists(Path.Combine(directory, "genai_config.json")))
        {
            throw new GenerationException($"{directory} has no genai_config.json; pass the folder a ModelBuilder pass wrote for a Whisper checkpoint.");
        }

        try
        {
            return new GenAISpeechModel(directory, new GenAI.Model(directory));
        }
        catch (GenAI.OnnxRuntimeGenAIException e)
        {
            throw new GenerationException($"ONNX Runtime GenAI cannot load {directory}: {e.Message}");
        }
    }

    /// <summary>
    /// Greedy-transcribes the audio file <paramref name="audioPath"/> (wav, flac or mp3; one 30 s window; wav below
    /// 16 kHz is up-sampled first, see <see cref="WavAudio"/>) after
    /// <paramref name="prompt"/>; returns the whole sequence (prompt ids first), the ids after the prompt, and the
    /// decoded text of those ids, and the log-mel features GenAI's processor computed ([mels, 3000]).
    /// </summary>
    /// <exception cref="GenerationException">The file cannot be read or GenAI fails.</exception>
    public SpeechResult Transcribe(string audioPath, string prompt = EnglishTranscriptionPrompt, int maxLength = 0)
    {
        string? upsampled = null;
        try
        {
            var path = audioPath;
            if (audioPath.EndsWith(".wav", StringComparison.OrdinalIgnoreCase))
            {
                // GenAI's audio decoder only down-samples: audio below 16 kHz (8 kHz telephone speech) is up-sampled here.
                var (samples, rate) = WavAudio.Read(audioPath);
                if (rate < WavAudio.WhisperRate)
                {
                    upsampled = Path.Combine(Path.GetTempPath(), $"olivenet-{Environment.ProcessId}-{Guid.NewGuid():N}.wav");
                    WavAudio.Write(upsampled, WavAudio.Resample(samples, rate, WavAudio.WhisperRate), WavAudio.WhisperRate);
                    path = upsampled;
                }
            }

            using var audios = GenAI.Audios.Load([path]);
            using var inputs = _processor.ProcessAudios(prompt, audios);
            using var parameters = Parameters(maxLength);
            using var generator = new GenAI.Generator(_model, parameters);
            generator.SetInputs(inputs);
            var features = generator.GetInput("audio_features").GetData<float>().ToArray();
            return Decode(generator, features);
        }
        catch (GenAI.OnnxRuntimeGenAIException e)
        {
            throw new GenerationException($"ONNX Runtime GenAI failed to transcribe {audioPath} with {Directory}: {e.Message}");
        }
        catch (InvalidDataException e)
        {
            throw new GenerationException($"{audioPath}: cannot read the audio ({e.Message}).");
        }
        finally
        {
            if (upsampled is not null)
            {
                File.Delete(upsampled);
            }
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
            return Decode(generator, features);
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

    private GenAI.GeneratorParams Parameters(int maxLength)
    {
        var parameters = new GenAI.GeneratorParams(_model);
        parameters.SetSearchOption("do_sample", false);
        if (maxLength > 0)
        {
            parameters.SetSearchOption("max_length", maxLength);
        }

        return parameters;
    }

    private SpeechResult Decode(GenAI.Generator generator, float[] features)
    {
        // SetInputs and AppendTokens have appended (and run) the prompt: the sequence holds exactly its ids here.
        var prompt = (int)generator.GetSequence(0).Length;
        while (!generator.IsDone())
        {
            generator.GenerateNextToken();
        }

        var sequence = generator.GetSequence(0).ToArray();
        var tokens = sequence[prompt..];
        return new SpeechResult(sequence, tokens, _processor.Decode(tokens), features);
    }
}

/// <summary>A transcription: the whole token sequence, the ids after the prompt, their text, and the model's input features.</summary>
public sealed record SpeechResult(int[] Sequence, int[] Tokens, string Text, float[] Features);
