using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using OliveNet.Runtime.Generation;
using OliveNet.Runtime.Speech;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet transcribe &lt;model_dir&gt; &lt;audio&gt;…</c>: speech to text with a Whisper folder ModelBuilder wrote.</summary>
internal static class TranscribeCommand
{
    private const string Help = """
        Transcribe audio with a Whisper model exported in the ONNX Runtime GenAI layout (a ModelBuilder output for a
        WhisperForConditionalGeneration checkpoint: genai_config.json of type whisper, encoder.onnx and model.onnx,
        audio_processor_config.json, tokenizer files), run by ONNX Runtime GenAI. Greedy, with Olive's prompt
        (<|startoftranscript|><|en|><|transcribe|><|notimestamps|>; English-only models without the language and task
        tokens). WAV files of any rate are read and resampled to 16 kHz; GenAI also reads flac and mp3 at 16 kHz or more.
        Each file is one 30 s window (longer audio is cut there, as Whisper's encoder sees it). Prints one line per
        file (the text, or "file: text" for several); the audio length and speed go to stderr.

        Examples:
          olivenet transcribe ./whisper-tiny-int8 hello.wav
          olivenet transcribe ./whisper-tiny-int8 clips/*.wav
        """;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Argument<string>("model_dir") { Description = "Folder with genai_config.json (type whisper), encoder.onnx, model.onnx and the tokenizer files." };
        var audio = new Argument<string[]>("audio") { Description = "Audio files (wav; flac or mp3 at 16 kHz or more).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("transcribe", Help) { model, audio };
        command.SetAction(parse => CommandErrors.Guard(error, () =>
        {
            try
            {
                var files = parse.GetValue(audio)!;
                if (files.FirstOrDefault(f => !File.Exists(f)) is { } missing)
                {
                    error.WriteLine($"error: {missing} does not exist; give audio files to transcribe.");
                    return ExitCodes.InvalidInput;
                }

                using var whisper = GenAISpeechModel.Load(parse.GetValue(model)!);
                foreach (var file in files)
                {
                    var clock = Stopwatch.StartNew();
                    var text = whisper.Transcribe(file).Text.Trim();
                    var seconds = clock.Elapsed.TotalSeconds;
                    output.WriteLine(files.Length == 1 ? text : $"{file}: {text}");
                    output.Flush();
                    var length = Duration(file);
                    var speed = length is { } l
                        ? string.Create(CultureInfo.InvariantCulture, $"{l:F2} s of audio in {seconds:F2} s ({l / seconds:F1}× real time)")
                        : string.Create(CultureInfo.InvariantCulture, $"transcribed in {seconds:F2} s");
                    error.WriteLine($"{file}: {speed}{(length > 30 ? " · only its first 30 s were transcribed" : string.Empty)}");
                }

                return ExitCodes.Ok;
            }
            catch (GenerationException e)
            {
                error.WriteLine($"error: {e.Message}");
                return ExitCodes.InvalidInput;
            }
        }));
        return command;
    }

    /// <summary>The length of a WAV file in seconds; null for other formats.</summary>
    private static double? Duration(string file)
    {
        try
        {
            return WavReader.Read(file).Seconds;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
