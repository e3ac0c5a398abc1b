using System.Text.Json.Nodes;
using OliveNet.Engine.Data;
using OliveNet.Engine.Data.Speech;
using OliveNet.Runtime.Speech;

namespace OliveNet.Engine.Tests.Data.Speech;

/// <summary>Olive's speech data config on a local audiofolder of real Asterisk prompts.</summary>
public sealed class SpeechDatasetTests : IDisposable
{
    private static readonly string[] Prompts = ["auth-thankyou", "added", "agent-loginok", "basic-pbx-ivr-main"];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-speech-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void An_audiofolder_gives_every_clip_resampled_to_16_kHz_with_its_transcript_in_metadata_order()
    {
        AsteriskSounds.WriteAudioFolder(_dir.FullName, Prompts);
        var (data, sha) = SpeechDataset.Load(Config(new JsonObject()));

        Assert.Equal(16000, data.SampleRate);
        Assert.Equal(["auth-thankyou.wav", "added.wav", "agent-loginok.wav", "basic-pbx-ivr-main.wav"], data.Samples.Select(s => s.FileName));
        var texts = AsteriskSounds.Texts();
        Assert.Equal(Prompts.Select(n => texts[n]), data.Samples.Select(s => s.Text));
        Assert.Contains(",", data.Samples[3].Text, StringComparison.Ordinal); // a quoted CSV field with commas survives
        foreach (var sample in data.Samples)
        {
            var original = WavReader.Read(File.ReadAllBytes(AsteriskSounds.Wav(Path.GetFileNameWithoutExtension(sample.FileName))), "x");
            Assert.Equal(original.Samples.Length * 2, sample.Audio.Samples.Length); // 8 kHz → 16 kHz doubles the count
            Assert.Equal(16000, sample.Audio.SampleRate);
        }

        Assert.Equal(data.Samples.Sum(s => s.Audio.Samples.Length) / 16000.0, data.Seconds);
        Assert.Equal(sha, SpeechDataset.Load(Config(new JsonObject())).Sha256);
        Assert.NotEqual(sha, SpeechDataset.Load(Config(new JsonObject { ["sample_rate"] = 8000 })).Sha256);
    }

    [Fact]
    public void Limit_or_max_samples_keeps_the_first_clips_and_a_fraction_draws_a_seeded_share()
    {
        AsteriskSounds.WriteAudioFolder(_dir.FullName, Prompts);

        Assert.Equal(["auth-thankyou.wav", "added.wav"], SpeechDataset.Load(Config(new JsonObject { ["max_samples"] = 2 })).Data.Samples.Select(s => s.FileName));
        Assert.Single(SpeechDataset.Load(Config(new JsonObject { ["limit"] = 1, ["max_samples"] = 3 })).Data.Samples);
        var half = SpeechDataset.Load(Config(new JsonObject { ["limit"] = 0.5 })).Data.Samples.Select(s => s.FileName).ToList();
        Assert.Equal(2, half.Count);
        Assert.Equal(Prompts.Select(p => p + ".wav").Where(half.Contains), half); // kept in dataset order
        Assert.Equal(half, SpeechDataset.Load(Config(new JsonObject { ["limit"] = 0.5 })).Data.Samples.Select(s => s.FileName));
    }

    [Fact]
    public void A_jsonl_metadata_file_with_another_text_column_and_an_id_column_is_read()
    {
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "test"));
        File.Copy(AsteriskSounds.Wav("added"), Path.Combine(_dir.FullName, "test", "a.wav"));
        File.WriteAllText(Path.Combine(_dir.FullName, "test", "metadata.jsonl"), """
            {"file_name": "a.wav", "sentence": "Added.", "id": 7}

            """);

        var config = Config(new JsonObject { ["text_col"] = "sentence", ["id_col"] = "id" }, split: "test");
        var only = Assert.Single(SpeechDataset.Load(config).Data.Samples);
        Assert.Equal(("7", "Added."), (only.FileName, only.Text));
    }

    [Fact]
    public void Mistakes_name_the_config_the_file_and_what_to_do()
    {
        AsteriskSounds.WriteAudioFolder(_dir.FullName, ["added"]);

        var column = Assert.Throws<DataException>(() => SpeechDataset.Load(Config(new JsonObject { ["text_col"] = "transcript" })));
        Assert.Contains("data_configs.speech.load_dataset_config: the metadata has no column 'transcript'", column.Message, StringComparison.Ordinal);
        Assert.Contains("file_name, text", column.Message, StringComparison.Ordinal);

        var hub = new DataConfigSpec("speech", new DataComponent("huggingface_dataset", new JsonObject { ["data_name"] = "hf-audio/esb-datasets-test-only-sorted" }),
            new DataComponent(SpeechDataset.PreProcessType, []), null, null, "{}");
        var refused = Assert.Throws<DataException>(() => SpeechDataset.Load(hub));
        Assert.Contains("'hf-audio/esb-datasets-test-only-sorted' is a Hugging Face hub dataset", refused.Message, StringComparison.Ordinal);
        Assert.Contains("data_name: audiofolder, data_dir:", refused.Message, StringComparison.Ordinal);

        // Runtime's WavReader refuses a file that is not WAV; the data config shows it as a DataException naming the file.
        File.WriteAllBytes(Path.Combine(_dir.FullName, "clips", "added.wav"), "fLaC\0\0\0\0\0\0\0\0"u8.ToArray());
        var flac = Assert.Throws<DataException>(() => SpeechDataset.Load(Config(new JsonObject())));
        Assert.Contains($"{Path.Combine(_dir.FullName, "clips", "added.wav")}: not a WAV file", flac.Message, StringComparison.Ordinal);
        Assert.Contains("ffmpeg", flac.Message, StringComparison.Ordinal);

        File.Delete(Path.Combine(_dir.FullName, "metadata.csv"));
        var missing = Assert.Throws<DataException>(() => SpeechDataset.Load(Config(new JsonObject())));
        Assert.Contains("has no metadata.jsonl or metadata.csv", missing.Message, StringComparison.Ordinal);
    }

    private DataConfigSpec Config(JsonObject pre, string? split = null)
    {
        var load = new JsonObject { ["data_name"] = "audiofolder", ["data_dir"] = _dir.FullName };
        if (split is not null)
        {
            load["split"] = split;
        }

        return new DataConfigSpec("speech", new DataComponent("huggingface_dataset", load), new DataComponent(SpeechDataset.PreProcessType, pre), null, null, pre.ToJsonString());
    }
}
