using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using OliveNet.Engine.Data.Speech;
using OliveNet.Engine.Evaluation;
using OliveNet.Engine.Tests.Data.Speech;
using OliveNet.Passes.Tests.Export;
using OliveNet.Runtime.Speech;
using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace OliveNet.Cli.Tests.Export;

/// <summary>
/// Olive's speech evaluation end to end: the tiny random-weight Whisper checkpoint exported by a ModelBuilder recipe, then
/// a recipe of olive-recipes' whisper_eval_wer.json shape (written here: OnnxModel folder, HuggingfaceContainer with
/// speech_transcription_pre_process, accuracy wer + rtfx) on a local audiofolder of real Asterisk prompts. The weights
/// are random, so the WER itself means nothing; what is checked is that it is the WER of the transcripts GenAI gives
/// when called directly, and that rtfx is audio seconds over transcription seconds.
/// </summary>
public sealed class WhisperEvalWerRecipeTests : IDisposable
{
    private static readonly string[] Prompts = ["auth-thankyou", "added", "agent-loginok", "vm-goodbye"];

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_whisper_eval_wer_recipe_reports_the_wer_of_genais_own_transcripts_and_audio_seconds_per_second_as_rtfx()
    {
        var whisper = ExportWhisper();

        // Each clip at 16 kHz, written by this test as 16-bit WAV and transcribed by GenAI's API directly. The random
        // weights ignore the audio and say the same few characters for every clip; the first clip's reference is made
        // that transcript, so the WER only comes out as computed here if the evaluator's transcripts equal GenAI's.
        var names = Prompts.ToList(); // audiofolder order: the metadata's
        var transcripts = names.Select(n => (object)Transcribe(whisper, Resampler.Resample(WavReader.Read(File.ReadAllBytes(AsteriskSounds.Wav(n)), n), 16000))).ToList();
        var all = AsteriskSounds.Texts();
        var texts = names.ToDictionary(n => n, n => all[n]);
        texts[names[0]] = (string)transcripts[0];
        var expected = AccuracyScores.WordErrorRate(transcripts, [.. names.Select(n => (object)texts[n])]);
        Assert.True(AccuracyScores.NormalizeForWer(texts[names[0]]).Length > 0 && expected < 1, $"transcripts: {string.Join(" | ", transcripts)}");

        var clips = Path.Combine(_dir.Path, "clips");
        AsteriskSounds.WriteAudioFolder(clips, Prompts, texts);
        var recipe = _dir.File("whisper_eval_wer.json", EvalRecipe(whisper, clips).ToJsonString());
        var clock = Stopwatch.StartNew();
        var (exit, _, stderr) = CliRunner.Run("run", recipe);
        var wall = clock.Elapsed.TotalSeconds;

        Assert.True(exit == 0, stderr);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "eval-out", "metrics.json")));
        var values = Assert.Single(metrics.RootElement.GetProperty("candidates").EnumerateArray()).GetProperty("metrics");
        Assert.Equal(expected, values.GetProperty("speech_accuracy-wer").GetDouble(), 12);

        // rtfx = audio seconds / transcription seconds, rounded to 2 decimals as Olive reports it; transcription is part
        // of the run, so rtfx is at least audio seconds / the run's wall time.
        var rtfx = values.GetProperty("speech_accuracy-rtfx").GetDouble();
        var audio = names.Sum(n => WavReader.Read(File.ReadAllBytes(AsteriskSounds.Wav(n)), n).Seconds);
        Assert.True(rtfx > 0 && rtfx >= Math.Round(audio / wall, 2), $"rtfx {rtfx}, audio {audio:0.00} s, run {wall:0.00} s");
        Assert.Equal(Math.Round(rtfx, 2), rtfx);
    }

    [Fact]
    public void A_clip_longer_than_30_seconds_is_transcribed_in_30_second_pieces_joined_by_a_space()
    {
        var whisper = ExportWhisper();

        // 36 s of real speech: Asterisk prompts resampled to 16 kHz and laid end to end.
        var pieces = new List<float>();
        foreach (var name in AsteriskSounds.Texts().Keys.Where(n => n.StartsWith("vm-", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            pieces.AddRange(Resampler.Resample(WavReader.Read(File.ReadAllBytes(AsteriskSounds.Wav(name)), name), 16000).Samples);
            if (pieces.Count >= 36 * 16000)
            {
                break;
            }
        }

        var audio = new Audio([.. pieces.Take(36 * 16000)], 16000);
        Assert.Equal(36 * 16000, audio.Samples.Length);
        var joined = Transcribe(whisper, new Audio(audio.Samples[..(30 * 16000)], 16000)) + " " + Transcribe(whisper, new Audio(audio.Samples[(30 * 16000)..], 16000));
        var clips = Directory.CreateDirectory(Path.Combine(_dir.Path, "long")).FullName;
        File.WriteAllBytes(Path.Combine(clips, "long.wav"), WavReader.WritePcm16(audio));

        // The reference is the joined transcript in lower case: equal after Olive's normalization (WER 0, where one
        // transcript of the first 30 s alone would miss a word), every word different without it (normalize: false).
        File.WriteAllText(Path.Combine(clips, "metadata.jsonl"), new JsonObject { ["file_name"] = "long.wav", ["text"] = joined.ToLowerInvariant() }.ToJsonString() + "\n");
        Assert.NotEqual(joined, joined.ToLowerInvariant());
        var recipe = EvalRecipe(whisper, clips);
        var metrics = recipe["evaluators"]!["common_evaluator"]!["metrics"]!.AsArray();
        metrics.Add(new JsonObject
        {
            ["name"] = "raw", ["type"] = "accuracy", ["data_config"] = "librispeech_clean",
            ["sub_types"] = new JsonArray(new JsonObject { ["name"] = "wer", ["metric_config"] = new JsonObject { ["normalize"] = false } }),
        });

        var (exit, _, stderr) = CliRunner.Run("run", _dir.File("long.json", recipe.ToJsonString()));

        Assert.True(exit == 0, stderr);
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "eval-out", "metrics.json")));
        var values = Assert.Single(result.RootElement.GetProperty("candidates").EnumerateArray()).GetProperty("metrics");
        Assert.Equal(0.0, values.GetProperty("speech_accuracy-wer").GetDouble());
        Assert.Equal(AccuracyScores.WordErrorRate([joined], [joined.ToLowerInvariant()], normalize: false), values.GetProperty("raw-wer").GetDouble(), 12);
        Assert.Equal(1.0, values.GetProperty("raw-wer").GetDouble());
    }

    [Fact]
    public void A_sample_rate_below_16_kHz_is_refused_before_genai_sees_it()
    {
        var whisper = ExportWhisper();
        var clips = Path.Combine(_dir.Path, "clips");
        AsteriskSounds.WriteAudioFolder(clips, ["added"]);
        var recipe = EvalRecipe(whisper, clips);
        recipe["data_configs"]![0]!["pre_process_data_config"]!["params"]!["sample_rate"] = 8000;

        var (exit, _, stderr) = CliRunner.Run("run", _dir.File("eval8k.json", recipe.ToJsonString()));

        Assert.NotEqual(0, exit);
        Assert.Contains("data config librispeech_clean has sample_rate 8000, below Whisper's 16000 Hz", stderr, StringComparison.Ordinal);
        Assert.Contains("set sample_rate to 16000", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cached_speech_evaluation_is_reused_only_while_the_audio_processor_and_genai_configs_are_unchanged()
    {
        var whisper = ExportWhisper();
        var clips = Path.Combine(_dir.Path, "clips");
        AsteriskSounds.WriteAudioFolder(clips, ["added"]);
        var recipe = _dir.File("eval.json", EvalRecipe(whisper, clips).ToJsonString());

        var first = CliRunner.Run("run", recipe);
        var second = CliRunner.Run("run", recipe);
        // The model id covers the ONNX components; the audio processor's settings are part of the speech cache key.
        var processor = Path.Combine(whisper, "audio_processor_config.json");
        File.WriteAllText(processor, JsonNode.Parse(File.ReadAllText(processor))!.ToJsonString()); // same settings, other bytes
        var third = CliRunner.Run("run", recipe);

        // A metric that is computed (not read from the evaluation cache) is logged with its time.
        const string Computed = "speech_accuracy (accuracy) in ";
        Assert.True(first.Exit == 0 && second.Exit == 0 && third.Exit == 0, first.Err + second.Err + third.Err);
        Assert.Contains(Computed, first.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(Computed, second.Err, StringComparison.Ordinal);
        Assert.Contains(Computed, third.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hub_dataset_in_the_same_recipe_is_refused_with_the_audiofolder_alternative()
    {
        var recipe = EvalRecipe(Path.Combine(_dir.Path, "none"), Path.Combine(_dir.Path, "clips"));
        recipe["data_configs"]![0]!["load_dataset_config"]!["params"] = new JsonObject
        {
            ["data_name"] = "hf-audio/esb-datasets-test-only-sorted", ["subset"] = "librispeech", ["split"] = "test.clean",
        };

        var (exit, _, stderr) = CliRunner.Run("validate", _dir.File("hub.json", recipe.ToJsonString()));

        Assert.Equal(2, exit);
        Assert.Contains("data_configs.librispeech_clean.load_dataset_config.type", stderr, StringComparison.Ordinal);
        Assert.Contains("{data_name: audiofolder, data_dir: <folder>}", stderr, StringComparison.Ordinal);
    }

    /// <summary>Greedy transcription through GenAI's own API: Olive's prompt for a multilingual vocabulary, the whole sequence decoded.</summary>
    private static string Transcribe(string folder, Audio audio)
    {
        var wav = Path.Combine(Path.GetTempPath(), $"olivenet-wer-{Guid.NewGuid():N}.wav");
        File.WriteAllBytes(wav, Pcm16(audio));
        try
        {
            using var model = new GenAI.Model(folder);
            using var processor = new GenAI.MultiModalProcessor(model);
            using var audios = GenAI.Audios.Load([wav]);
            using var inputs = processor.ProcessAudios("<|startoftranscript|><|en|><|transcribe|><|notimestamps|>", audios);
            using var parameters = new GenAI.GeneratorParams(model);
            parameters.SetSearchOption("do_sample", false);
            parameters.SetSearchOption("max_length", JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "genai_config.json")))!["search"]!["max_length"]!.GetValue<int>());
            using var generator = new GenAI.Generator(model, parameters);
            generator.SetInputs(inputs);
            while (!generator.IsDone())
            {
                generator.GenerateNextToken();
            }

            return processor.Decode(generator.GetSequence(0)).Trim();
        }
        finally
        {
            File.Delete(wav);
        }
    }

    private static byte[] Pcm16(Audio audio)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write("RIFF"u8);
        writer.Write(36 + (audio.Samples.Length * 2));
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)1);
        writer.Write(audio.SampleRate);
        writer.Write(audio.SampleRate * 2);
        writer.Write((short)2);
        writer.Write((short)16);
        writer.Write("data"u8);
        writer.Write(audio.Samples.Length * 2);
        foreach (var s in audio.Samples)
        {
            writer.Write((short)Math.Clamp(Math.Round(s * 32768.0, MidpointRounding.ToEven), short.MinValue, short.MaxValue));
        }

        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>The whisper CPU recipe's export step (HfModel → ModelBuilder fp32) on the tiny checkpoint.</summary>
    private string ExportWhisper()
    {
        var recipe = new JsonObject
        {
            ["input_model"] = new JsonObject { ["type"] = "HfModel", ["model_path"] = HfFixtures.Checkpoint("whisper"), ["task"] = "automatic-speech-recognition" },
            ["passes"] = new JsonObject { ["mb"] = new JsonObject { ["type"] = "ModelBuilder", ["precision"] = "fp32" } },
            ["output_dir"] = Path.Combine(_dir.Path, "whisper"),
            ["cache_dir"] = Path.Combine(_dir.Path, "cache"),
            ["no_artifacts"] = true,
        };
        var (exit, _, stderr) = CliRunner.Run("run", _dir.File("whisper_cpu_fp32.json", recipe.ToJsonString()));
        Assert.True(exit == 0, stderr);
        return Path.Combine(_dir.Path, "whisper");
    }

    /// <summary>
    /// olive-recipes' whisper_eval_wer.json layout, pointed at a local audiofolder. The metric sits inside the evaluator
    /// and the evaluator is named, as Olive's run config takes them (the shipped files list the metric at top level and
    /// name it from the evaluator, which Olive's OliveEvaluatorConfig does not accept either).
    /// </summary>
    private JsonObject EvalRecipe(string model, string clips) => new()
    {
        ["input_model"] = new JsonObject { ["type"] = "OnnxModel", ["model_path"] = model },
        ["data_configs"] = new JsonArray(new JsonObject
        {
            ["name"] = "librispeech_clean",
            ["type"] = "HuggingfaceContainer",
            ["load_dataset_config"] = new JsonObject
            {
                ["type"] = "huggingface_dataset",
                ["params"] = new JsonObject { ["data_name"] = "audiofolder", ["data_dir"] = clips },
            },
            ["pre_process_data_config"] = new JsonObject
            {
                ["type"] = "speech_transcription_pre_process",
                ["params"] = new JsonObject { ["audio_col"] = "audio", ["text_col"] = "text", ["sample_rate"] = 16000, ["max_samples"] = 64 },
            },
        }),
        ["evaluators"] = new JsonObject
        {
            ["common_evaluator"] = new JsonObject
            {
                ["metrics"] = new JsonArray(new JsonObject
                {
                    ["name"] = "speech_accuracy",
                    ["type"] = "accuracy",
                    ["data_config"] = "librispeech_clean",
                    ["sub_types"] = new JsonArray(
                        new JsonObject { ["name"] = "wer", ["priority"] = 1, ["higher_is_better"] = false },
                        new JsonObject { ["name"] = "rtfx", ["priority"] = 2, ["higher_is_better"] = true }),
                }),
            },
        },
        ["evaluator"] = "common_evaluator",
        ["systems"] = new JsonObject
        {
            ["local_system"] = new JsonObject
            {
                ["type"] = "LocalSystem",
                ["accelerators"] = new JsonArray(new JsonObject { ["device"] = "cpu", ["execution_providers"] = new JsonArray("CPUExecutionProvider") }),
            },
        },
        ["host"] = "local_system",
        ["target"] = "local_system",
        ["output_dir"] = Path.Combine(_dir.Path, "eval-out"),
        ["cache_dir"] = Path.Combine(_dir.Path, "cache"),
        ["no_artifacts"] = true,
    };
}
