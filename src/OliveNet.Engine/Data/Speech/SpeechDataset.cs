using System.Security.Cryptography;
using System.Text;
using OliveNet.Runtime.Speech;

namespace OliveNet.Engine.Data.Speech;

/// <summary>
/// Olive's speech data: a <c>huggingface_dataset</c> load of a local <c>audiofolder</c> (<c>data_name: audiofolder</c>,
/// <c>data_dir</c>) with the <c>speech_transcription_pre_process</c> pre-process — <c>audio_col</c> (audio, the column
/// audiofolder makes of file_name), <c>text_col</c> (text), <c>id_col</c>, <c>sample_rate</c> (16000: every clip is
/// resampled to it), <c>limit</c> or the older <c>max_samples</c> (N ≥ 1: the first N clips; 0 &lt; x &lt; 1: that
/// fraction, drawn with <c>seed</c> 42 and kept in dataset order; 0 or absent: all).
/// </summary>
public static class SpeechDataset
{
    /// <summary>The load type (Olive's Hugging Face loader).</summary>
    public const string LoadType = "huggingface_dataset";

    /// <summary>The pre-process type that makes a data config speech.</summary>
    public const string PreProcessType = "speech_transcription_pre_process";

    /// <summary>The local Hugging Face loader OliveNet reads.</summary>
    public const string AudioFolderName = "audiofolder";

    /// <summary>Whether a data config is speech (its pre-process is <see cref="PreProcessType"/>).</summary>
    public static bool IsSpeech(DataConfigSpec config) => config.PreProcess?.Type == PreProcessType;

    /// <summary>
    /// Why a <see cref="LoadType"/> component cannot be read offline (a hub dataset), or null when it names a local
    /// audiofolder. Shared by the recipe loader (validate, run) and <see cref="Load"/>.
    /// </summary>
    public static string? Refusal(System.Text.Json.Nodes.JsonObject load)
    {
        var name = load["data_name"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var n) ? n : null;
        if (name == AudioFolderName && load["data_dir"] is not null)
        {
            return null;
        }

        return name == AudioFolderName
            ? "data_name audiofolder needs params.data_dir: the folder holding the audio files and metadata.jsonl or metadata.csv"
            : $"'{name ?? "(no data_name)"}' is a Hugging Face hub dataset, and OliveNet does not download datasets. For speech, save the clips "
              + "locally as an audiofolder (WAV files plus metadata.jsonl or metadata.csv with file_name and text columns) and use "
              + "{type: huggingface_dataset, params: {data_name: audiofolder, data_dir: <folder>}}";
    }

    /// <summary>Reads, decodes and resamples the clips of <paramref name="config"/>, and hashes them for cache keys.</summary>
    /// <exception cref="DataException">A hub dataset, a missing folder, file or column, an unreadable WAV, or a bad parameter.</exception>
    public static (SpeechData Data, string Sha256) Load(DataConfigSpec config)
    {
        var where = $"data_configs.{config.Name}";
        var load = new ComponentParams($"{where}.load_dataset_config", config.Load.Params);
        if (config.Load.Type != LoadType)
        {
            throw new DataException($"{load.Where}: {PreProcessType} reads {LoadType} with data_name {AudioFolderName}, not '{config.Load.Type}'");
        }

        if (Refusal(config.Load.Params) is { } refusal)
        {
            throw new DataException($"{load.Where}: {refusal}");
        }

        var pre = new ComponentParams($"{where}.pre_process_data_config", config.PreProcess?.Params ?? []);
        var audioCol = pre.String("audio_col") ?? "audio";
        if (audioCol != "audio")
        {
            throw new DataException($"{pre.Where}: params.audio_col '{audioCol}': an audiofolder's audio column is 'audio' (made from file_name); remove audio_col or set it to audio");
        }

        var textCol = pre.String("text_col") ?? "text";
        var idCol = pre.String("id_col") ?? string.Empty;
        var rate = pre.Int("sample_rate", 16000);
        if (rate <= 0)
        {
            throw new DataException($"{pre.Where}: params.sample_rate must be a positive number of samples per second, got {rate}");
        }

        var (folder, rows) = AudioFolder.Read(load);
        rows = Select(rows, pre);
        var samples = new List<SpeechSample>(rows.Count);
        foreach (var row in rows)
        {
            var file = row[AudioFolder.FileNameColumn];
            var path = Path.GetFullPath(Path.Combine(folder, file));
            if (!File.Exists(path))
            {
                throw new DataException($"{load.Where}: {path} (file_name '{file}') does not exist");
            }

            if (!row.TryGetValue(textCol, out var text))
            {
                throw new DataException($"{load.Where}: the metadata has no column '{textCol}' (params.text_col of {pre.Where}); its columns are {string.Join(", ", row.Keys)}");
            }

            var name = idCol.Length > 0 && row.TryGetValue(idCol, out var id) ? id : Path.GetFileName(file);
            Audio audio;
            try
            {
                audio = Resampler.Resample(WavReader.Read(path), rate);
            }
            catch (InvalidDataException e)
            {
                throw new DataException(e.Message);
            }

            samples.Add(new SpeechSample(name, audio, text));
        }

        if (samples.Count == 0)
        {
            throw new DataException($"{where}: the audiofolder {folder} lists no clips");
        }

        return (new SpeechData(samples, rate), Hash(config, samples));
    }

    /// <summary>Olive's sampling: <c>limit</c>, else <c>max_samples</c>; N ≥ 1 keeps the first N, a fraction draws that share.</summary>
    private static List<Dictionary<string, string>> Select(List<Dictionary<string, string>> rows, ComponentParams pre)
    {
        var limit = pre.Node("limit") is not null ? pre.Double("limit", 0) : pre.Double("max_samples", 0);
        if (limit < 0)
        {
            throw new DataException($"{pre.Where}: params.limit (or max_samples) must be 0 or more, got {limit}");
        }

        if (limit >= 1)
        {
            return [.. rows.Take((int)Math.Min(limit, rows.Count))];
        }

        if (limit > 0)
        {
            var n = Math.Max(1, (int)(rows.Count * limit));
            var order = Enumerable.Range(0, rows.Count).ToArray();
            new Random(pre.Int("seed", 42)).Shuffle(order);
            return [.. order.Take(n).Order().Select(i => rows[i])];
        }

        return rows;
    }

    private static string Hash(DataConfigSpec config, List<SpeechSample> samples)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(config.CanonicalJson));
        foreach (var s in samples)
        {
            sha.AppendData(Encoding.UTF8.GetBytes($"{s.FileName}\n{s.Audio.SampleRate}\n{s.Text}\n"));
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(s.Audio.Samples.AsSpan()));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
