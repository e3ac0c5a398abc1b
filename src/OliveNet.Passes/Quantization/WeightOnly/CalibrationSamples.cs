using System.Text.Json.Nodes;
using OliveNet.Engine.Data;
using OliveNet.Passes.Export;
using OliveNet.Text.Tokenizers;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// The calibration token windows of Gptq and SelectiveMixedPrecision's kld_gradient: from <c>calibration_text</c> (one
/// UTF-8 file) or from the recipe's text data config named by <c>data_config</c> (text_files or jsonl, tokenize_text),
/// tokenized with the checkpoint's tokenizer.json, cut into windows of at most max_seq_len tokens (the data config's
/// max_length wins when it gives one; both capped at max_position_embeddings), at most max_samples of them.
/// </summary>
internal static class CalibrationSamples
{
    /// <summary>The options' problems: exactly one source of calibration text.</summary>
    public static void Validate(List<string> errors, string passId, string? calibrationText, JsonObject? dataConfig, int maxSeqLen, int maxSamples, string why)
    {
        if (calibrationText is null && dataConfig is null && HubDatasets.Find(HubDatasets.Wikitext2Train) is null)
        {
            errors.Add($"calibration_text / data_config: {passId} {why} needs calibration text, and Olive's default, {HubDatasets.Missing(HubDatasets.Wikitext2Train)}. "
                + "Or set calibration_text to a UTF-8 text file in the model's domain, or data_config to the name of a local text data config (load_dataset_config type text_files or jsonl).");
        }
        else if (calibrationText is not null && dataConfig is not null)
        {
            errors.Add($"calibration_text / data_config: {passId} reads one calibration source; give calibration_text or data_config, not both.");
        }

        if (maxSeqLen < 2 || maxSamples < 1)
        {
            errors.Add($"max_seq_len {maxSeqLen} / max_samples {maxSamples}: need at least 2 tokens and 1 sample.");
        }
    }

    /// <summary>The windows, each <c>min(max_seq_len, max_position_embeddings)</c> tokens (the data config's max_length when given).</summary>
    /// <exception cref="PlanException">The text, tokenizer or data config is missing or gives too few tokens.</exception>
    public static List<long[]> Load(string source, HfConfig hf, string passId, string? calibrationText, JsonObject? dataConfig, int maxSeqLen, int maxSamples)
    {
        var length = Math.Min(maxSeqLen, hf.MaxPositions);
        List<int[]> streams;
        int stride;
        if (dataConfig is not null)
        {
            var spec = Spec(dataConfig, passId);
            TextData data;
            try
            {
                data = TextDataset.Load(spec, source, length, Eos(hf)).Data;
            }
            catch (DataException e)
            {
                throw new PlanException($"{passId}: data_config {spec.Name}: {e.Message}.");
            }

            streams = [.. data.Streams];
            length = Math.Min(data.Window, hf.MaxPositions);
            stride = Math.Min(data.Stride, length);
        }
        else if (calibrationText is null)
        {
            streams = [OliveDefault(source, passId, length * (long)maxSamples)];
            stride = length;
        }
        else
        {
            var path = calibrationText;
            if (!File.Exists(path))
            {
                throw new PlanException($"{passId}: calibration_text {path} does not exist.");
            }

            streams = [CheckpointTokenizer(source, passId).Encode(File.ReadAllText(path))];
            stride = length;
        }

        var samples = new List<long[]>();
        foreach (var ids in streams)
        {
            var window = Math.Min(length, ids.Length);
            for (var start = 0; start + window <= ids.Length && samples.Count < maxSamples && window >= 2; start += Math.Min(stride, window))
            {
                samples.Add([.. ids[start..(start + window)].Select(i => (long)i)]);
            }
        }

        if (samples.Count == 0)
        {
            throw new PlanException($"{passId}: the calibration {(dataConfig is null ? $"text {calibrationText}" : "data")} holds fewer than 2 tokens; give it some text in the model's domain.");
        }

        return samples;
    }

    /// <summary>Where Olive's default calibration text comes from, for the pass's log; null when calibration_text or data_config is given.</summary>
    public static string? DefaultSource(string? calibrationText, JsonObject? dataConfig) =>
        calibrationText is null && dataConfig is null && HubDatasets.Find(HubDatasets.Wikitext2Train) is { } files
            ? $"{HubDatasets.Wikitext2Train.Name} {HubDatasets.Wikitext2Train.Subset} {HubDatasets.Wikitext2Train.Split} (Olive's default) from {Path.GetDirectoryName(files[0])}"
            : null;

    /// <summary>
    /// Olive's default calibration stream (its text-generation pre-process, join strategy): the non-empty rows of
    /// wikitext-2's train split, each tokenized without special tokens and followed by the tokens of the joiner "\n\n",
    /// concatenated; read until <paramref name="enough"/> tokens are there.
    /// </summary>
    private static int[] OliveDefault(string source, string passId, long enough)
    {
        var files = HubDatasets.Find(HubDatasets.Wikitext2Train)
            ?? throw new PlanException($"{passId}: no calibration_text or data_config, and Olive's default, {HubDatasets.Missing(HubDatasets.Wikitext2Train)}.");
        var tokenizer = CheckpointTokenizer(source, passId);
        var joiner = tokenizer.Encode("\n\n");
        var joined = new List<int>();
        try
        {
            foreach (var row in HubDatasets.ReadColumn(files, "text").Where(r => r.Length > 0))
            {
                joined.AddRange(tokenizer.Encode(row));
                joined.AddRange(joiner);
                if (joined.Count >= enough)
                {
                    break;
                }
            }
        }
        catch (DataException e)
        {
            throw new PlanException($"{passId}: Olive's default calibration text: {e.Message}.");
        }

        return [.. joined];
    }

    private static Tokenizer CheckpointTokenizer(string source, string passId)
    {
        var path = Path.Combine(source, "tokenizer.json");
        return File.Exists(path) ? Tokenizer.Load(path) : throw new PlanException($"{passId}: {source} has no tokenizer.json to tokenize the calibration text with.");
    }

    private static int? Eos(HfConfig hf) => hf.Raw["eos_token_id"] switch
    {
        JsonValue v when v.TryGetValue<int>(out var id) => id,
        JsonArray { Count: > 0 } a when a[0] is JsonValue v && v.TryGetValue<int>(out var id) => id,
        _ => null,
    };

    // The loader's description of a data config (RecipeLoader: canonical JSON plus content_sha256) back into a spec.
    private static DataConfigSpec Spec(JsonObject described, string passId)
    {
        static DataComponent? Component(JsonNode? node) =>
            node is JsonObject o && o["type"]?.GetValue<string>() is { } type ? new DataComponent(type, o["params"] as JsonObject ?? []) : null;

        var name = described["name"]?.GetValue<string>() ?? "data_config";
        var load = Component(described["load"])
            ?? throw new PlanException($"{passId}: data_config is not a data config (no load); name an entry of the recipe's data_configs.");
        return new DataConfigSpec(name, load, Component(described["pre_process"]), null, null, described.ToJsonString());
    }
}
