using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Data;
using OliveNet.Runtime.Generation;

namespace OliveNet.Engine.Evaluation;

public sealed partial class ModelEvaluator
{
    private readonly Dictionary<string, LoadedData> _text = new(StringComparer.Ordinal);

    /// <summary>
    /// Text data tokenized for <paramref name="model"/>: the default tokenizer lives in the model's folder, so the cache
    /// of loaded text is keyed by that tokenizer's content as well as the config.
    /// </summary>
    private LoadedData TextData(DataConfigSpec config, ModelArtifact model)
    {
        var tokenizer = Path.Combine(model.Folder, "tokenizer.json");
        var genai = Path.Combine(model.Folder, "genai_config.json");
        var key = $"{config.Name}|{Fingerprint(tokenizer)}|{Fingerprint(genai)}";
        if (!_text.TryGetValue(key, out var loaded))
        {
            var (text, sha) = TextDataset.Load(config, model.Folder);
            loaded = new LoadedData(config.Name, [], sha, config.PostProcess, text);
            _text[key] = loaded;
        }

        return loaded;
    }

    private static string Fingerprint(string path) =>
        File.Exists(path) ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))) : "-";

    /// <summary>
    /// Perplexity over every token stream of a text data config, windows as the config says; streams are weighted by the
    /// tokens they score, so the value is exp of the mean negative log-likelihood over all scored tokens.
    /// </summary>
    private static Dictionary<string, double> Perplexity(MetricSpec metric, ModelArtifact model, LoadedData loaded, CancellationToken cancellation)
    {
        if (loaded.Text is not { } text)
        {
            throw new DataException($"metric {metric.Name}: perplexity reads text; data config {loaded.Name} must load text_files or jsonl");
        }

        if (metric.SubTypes.FirstOrDefault(x => x.Name != "perplexity") is { } other)
        {
            throw new DataException($"metric {metric.Name}: sub-type {other.Name} cannot be computed on text data; put perplexity in a metric of its own");
        }

        using var lm = OpenLanguageModel(metric, model);
        double nll = 0;
        long scored = 0;
        foreach (var stream in text.Streams)
        {
            cancellation.ThrowIfCancellationRequested();
            var window = Math.Min(text.Window, stream.Length);
            if (window > lm.Config.ContextLength)
            {
                throw new DataException($"metric {metric.Name}: data config {loaded.Name} max_length {window} exceeds the model's context length {lm.Config.ContextLength}");
            }

            var result = Metrics.Perplexity(lm, stream, window, Math.Min(text.Stride, window));
            nll += result.NegativeLogLikelihood * result.ScoredTokens;
            scored += result.ScoredTokens;
        }

        return new(StringComparer.Ordinal) { ["perplexity"] = Math.Exp(nll / scored), ["scored_tokens"] = scored };
    }

    /// <summary>Greedy generation through ONNX Runtime GenAI, timed at the user_config's prompt and generation lengths
    /// (defaults 128 and 64).</summary>
    private static Dictionary<string, double> GenerationLatency(MetricSpec metric, ModelArtifact model)
    {
        var prompt = (int)(JsonNumbers.Get(metric.UserConfig["prompt_length"]) ?? 128);
        var generate = (int)(JsonNumbers.Get(metric.UserConfig["generation_length"]) ?? 64);
        var runs = (int)(JsonNumbers.Get(metric.UserConfig["repeat_test_num"]) ?? 3);
        var warmup = (int)(JsonNumbers.Get(metric.UserConfig["warmup_num"]) ?? 1);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = MemoryProbe.ResidentBytes();
        using var lm = Open(metric, model, GenAILanguageModel.Load);
        GenerationLatencyResult result;
        try
        {
            result = Metrics.GenerationLatency(lm, prompt, generate, runs, warmup);
        }
        catch (ArgumentException e)
        {
            throw new DataException($"metric {metric.Name}: user_config prompt_length {prompt} / generation_length {generate} / repeat_test_num {runs} do not fit the model ({e.Message})");
        }

        // Resident growth over the value before the model was opened, read once generation is done: the weights, the
        // preallocated KV cache and ORT's arenas (the arenas keep their peak, so the value after the runs is the peak).
        var peak = Math.Max(0, MemoryProbe.ResidentBytes() - before);
        return new(StringComparer.Ordinal)
        {
            ["time_to_first_token"] = result.TimeToFirstTokenMs,
            ["prefill_tokens_per_second"] = result.PrefillTokensPerSecond,
            ["decode_tokens_per_second"] = result.DecodeTokensPerSecond,
            ["peak_memory"] = peak,
        };
    }

    /// <summary>The model for perplexity: with every position's logits, also when the export prunes its LM head (<see cref="FullLogitsGraph"/>).</summary>
    private static LanguageModel OpenLanguageModel(MetricSpec metric, ModelArtifact model) => Open(metric, model, (folder, threads) =>
        FullLogitsGraph.Of(folder) is { } graph ? LanguageModel.Load(folder, threads, graph) : LanguageModel.Load(folder, threads));

    private static T Open<T>(MetricSpec metric, ModelArtifact model, Func<string, int, T> load)
    {
        if (!File.Exists(Path.Combine(model.Folder, "genai_config.json")))
        {
            throw new DataException($"metric {metric.Name}: {model.Folder} has no genai_config.json; {metric.Type} {string.Join("/", metric.SubTypes.Select(x => x.Name))} runs on ModelBuilder (GenAI-layout) models");
        }

        try
        {
            return load(model.Folder, 0);
        }
        catch (GenerationException e)
        {
            throw new DataException($"metric {metric.Name}: {e.Message}");
        }
    }
}
