using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Data;
using OliveNet.Engine.Evaluation.LlamaCpp;

namespace OliveNet.Engine.Evaluation;

/// <summary>
/// Metrics of GGUF candidates (GgufExport), run in-process by llama.cpp through LLamaSharp, under the same names and
/// definitions as for ONNX models so one search weighs both: perplexity over the same token windows, generation
/// latency with the same prompt ids, run counts and timing split, size on disk of the one file.
/// </summary>
public sealed partial class ModelEvaluator
{
    private static readonly string[] GgufMetricTypes = ["size_on_disk", "accuracy (perplexity)", "generation_latency"];

    /// <summary>What computes GGUF metrics, for the evaluation cache key: a new LLamaSharp (llama.cpp) measures again.</summary>
    private static string GgufRuntimeVersion { get; } = $"LLamaSharp {typeof(LLama.LLamaWeights).Assembly.GetName().Version}";

    private static Dictionary<string, double> ComputeGguf(MetricSpec metric, ModelArtifact model, LoadedData? loaded, CancellationToken cancellation) => metric.Type switch
    {
        "size_on_disk" => new() { ["bytes"] = new FileInfo(model.ModelPath).Length },
        "accuracy" when loaded?.Text is not null || metric.SubTypes.Any(x => x.Name == "perplexity") => GgufPerplexity(metric, model, loaded!, cancellation),
        "generation_latency" => GgufGenerationLatency(metric, model),
        _ => throw new DataException(
            $"metric {metric.Name}: type {metric.Type} is not measured on GGUF models (llama.cpp); GGUF candidates support {string.Join(", ", GgufMetricTypes)}"),
    };

    private static Dictionary<string, double> GgufPerplexity(MetricSpec metric, ModelArtifact model, LoadedData loaded, CancellationToken cancellation)
    {
        if (loaded.Text is not { } text)
        {
            throw new DataException($"metric {metric.Name}: perplexity reads text; data config {loaded.Name} must load text_files or jsonl");
        }

        using var lm = GgufLanguageModel.Load(model.ModelPath, Math.Max(2, text.Window), metric.Name);
        double nll = 0;
        long scored = 0;
        foreach (var ids in text.Streams)
        {
            cancellation.ThrowIfCancellationRequested();
            var window = Math.Min(text.Window, ids.Length);
            if (window > lm.ContextLength)
            {
                throw new DataException($"metric {metric.Name}: data config {loaded.Name} max_length {window} exceeds the model's context length {lm.ContextLength}");
            }

            // The windows and scored targets of Metrics.Perplexity: each target once, from the first window that has it.
            var stride = Math.Min(text.Stride, window);
            var vocab = lm.Vocabulary;
            var scoredUpTo = 1;
            for (var begin = 0; scoredUpTo < ids.Length; begin += stride)
            {
                var end = Math.Min(begin + window, ids.Length);
                var logits = lm.ForwardAll(ids[begin..end]);
                for (var target = Math.Max(scoredUpTo, begin + 1); target < end; target++)
                {
                    nll -= Runtime.Generation.Metrics.LogSoftmaxAt(logits.AsSpan((target - 1 - begin) * vocab, vocab), ids[target]);
                    scored++;
                }

                scoredUpTo = Math.Max(scoredUpTo, end);
            }
        }

        return new(StringComparer.Ordinal) { ["perplexity"] = Math.Exp(nll / scored), ["scored_tokens"] = scored };
    }

    private static Dictionary<string, double> GgufGenerationLatency(MetricSpec metric, ModelArtifact model)
    {
        var prompt = (int)(JsonNumbers.Get(metric.UserConfig["prompt_length"]) ?? 128);
        var generate = (int)(JsonNumbers.Get(metric.UserConfig["generation_length"]) ?? 64);
        var runs = (int)(JsonNumbers.Get(metric.UserConfig["repeat_test_num"]) ?? 3);
        var warmup = (int)(JsonNumbers.Get(metric.UserConfig["warmup_num"]) ?? 1);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = MemoryProbe.ResidentBytes();
        using var lm = GgufLanguageModel.Load(model.ModelPath, prompt + generate, metric.Name);
        if (prompt < 1 || generate < 1 || runs < 1 || prompt + generate > lm.ContextLength)
        {
            throw new DataException($"metric {metric.Name}: user_config prompt_length {prompt} / generation_length {generate} / repeat_test_num {runs} do not fit the model (context length {lm.ContextLength})");
        }

        // The prompt ids of Metrics.GenerationLatency, so ONNX and GGUF candidates time the same work.
        var ids = Enumerable.Range(0, prompt).Select(i => (int)((i * 2654435761L + 12345) % lm.Vocabulary)).ToList();
        for (var i = 0; i < warmup; i++)
        {
            lm.Generate(ids, generate);
        }

        double ttft = 0, prefillSeconds = 0, decodeSeconds = 0;
        for (var i = 0; i < runs; i++)
        {
            var (prefill, decode) = lm.Generate(ids, generate);
            ttft += prefill.TotalMilliseconds;
            prefillSeconds += prefill.TotalSeconds;
            decodeSeconds += decode.TotalSeconds;
        }

        var peak = Math.Max(0, MemoryProbe.ResidentBytes() - before);
        return new(StringComparer.Ordinal)
        {
            ["time_to_first_token"] = ttft / runs,
            ["prefill_tokens_per_second"] = prompt * runs / Math.Max(prefillSeconds, 1e-9),
            ["decode_tokens_per_second"] = generate <= 1 ? 0 : (generate - 1) * runs / Math.Max(decodeSeconds, 1e-9),
            ["peak_memory"] = peak,
        };
    }
}
