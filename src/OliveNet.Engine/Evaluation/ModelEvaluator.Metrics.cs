using System.Diagnostics;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Benchmarking;
using OliveNet.Engine.Data;
using OliveNet.Engine.Data.Speech;

namespace OliveNet.Engine.Evaluation;

public sealed partial class ModelEvaluator
{
    private Dictionary<string, double> Accuracy(MetricSpec metric, ModelArtifact model, LoadedData loaded, CancellationToken cancellation)
    {
        if (!loaded.HasLabels)
        {
            throw new DataException($"metric {metric.Name}: accuracy needs labels, and data config {loaded.Name} has none (set labels_file or label_from)");
        }

        if (metric.SubTypes.FirstOrDefault(x => x.Name == "rtfx") is { } rtfx)
        {
            throw new DataException($"metric {metric.Name}: {rtfx.Name} times transcription and needs a speech data config (pre_process_data_config {SpeechDataset.PreProcessType}); {loaded.Name} is tensor data");
        }

        var decoder = OutputDecoder.Create(loaded.PostProcess, $"data_configs.{loaded.Name}", locator);
        using var session = Open(model.ModelPath);
        var predictions = new List<object>();
        var labels = new List<object>();
        var scores = new List<float[]>();
        using var step = Workflows.RunProgress.Step($"{metric.Name} ({metric.Type})", loaded.Batches.Count);
        foreach (var batch in loaded.Batches)
        {
            cancellation.ThrowIfCancellationRequested();
            var (values, shape) = Run(session, batch, decoder.OutputName, metric.Name);
            step.Advance();
            predictions.AddRange(decoder.Decode(values, shape));
            labels.AddRange(batch.Labels!);
            var perRow = values.Length / (int)shape[0];
            for (var r = 0; r < shape[0]; r++)
            {
                scores.Add(values.AsSpan(r * perRow, perRow).ToArray());
            }
        }

        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var sub in metric.SubTypes)
        {
            var average = sub.Parameters["average"]?.GetValue<string>() ?? metric.UserConfig["average"]?.GetValue<string>() ?? "macro";
            result[sub.Name] = sub.Name switch
            {
                "accuracy_score" or "exact_match" => AccuracyScores.Accuracy(predictions, labels),
                "precision" => AccuracyScores.PrecisionRecallF1(predictions, labels, average).Precision,
                "recall" => AccuracyScores.PrecisionRecallF1(predictions, labels, average).Recall,
                "f1_score" => AccuracyScores.PrecisionRecallF1(predictions, labels, average).F1,
                "top_k" => AccuracyScores.TopK(scores, labels, (int)(JsonNumbers.Get(sub.Parameters["k"]) ?? JsonNumbers.Get(metric.UserConfig["k"]) ?? 5)),
                "auroc" => AccuracyScores.Auroc(scores, labels, sub.Parameters["task"]?.GetValue<string>() ?? metric.UserConfig["task"]?.GetValue<string>() ?? "binary"),
                "cer" => AccuracyScores.CharacterErrorRate(predictions, labels),
                "wer" => AccuracyScores.WordErrorRate(predictions, labels, NormalizeWer(metric, sub)),
                _ => double.NaN,
            };
        }

        return result;
    }

    private Dictionary<string, double> Latency(MetricSpec metric, ModelArtifact model, LoadedData loaded, CancellationToken cancellation)
    {
        var warmup = (int)(JsonNumbers.Get(metric.UserConfig["warmup_num"]) ?? 10);
        var repeat = Math.Max(1, (int)(JsonNumbers.Get(metric.UserConfig["repeat_test_num"]) ?? 20));
        var sleepMs = (int)(JsonNumbers.Get(metric.UserConfig["sleep_num"]) ?? 0);
        using var session = Open(model.ModelPath);
        var batch = loaded.Batches[0];
        var rows = batch.Inputs.Values.First().Shape is { Length: > 0 } s ? s[0] : 1;
        var feed = batch.Feed(session.Inputs);
        try
        {
            for (var i = 0; i < warmup; i++)
            {
                using var _ = session.Run(feed);
            }

            var samples = new double[repeat];
            using var step = Workflows.RunProgress.Step($"{metric.Name} ({metric.Type})", repeat);
            for (var i = 0; i < repeat; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                var start = Stopwatch.GetTimestamp();
                using var outputs = session.Run(feed);
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                step.Advance();
                if (sleepMs > 0)
                {
                    Thread.Sleep(sleepMs);
                }
            }

            // Throughput per run is rows per second; its percentiles are taken over those values (p90 throughput is
            // the 90th percentile of per-run throughput), as Olive computes throughput from each latency sample.
            var series = metric.Type == "throughput" ? samples.Select(ms => rows / ms * 1000).ToArray() : samples;
            return Statistics(series);
        }
        finally
        {
            foreach (var (_, value) in feed)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>avg, min, max and p50…p999, percentiles interpolated linearly.</summary>
    internal static Dictionary<string, double> Statistics(IReadOnlyList<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return new(StringComparer.Ordinal)
        {
            ["avg"] = sorted.Average(),
            ["min"] = sorted[0],
            ["max"] = sorted[^1],
            ["p50"] = LatencyStatistics.Percentile(sorted, 50),
            ["p75"] = LatencyStatistics.Percentile(sorted, 75),
            ["p90"] = LatencyStatistics.Percentile(sorted, 90),
            ["p95"] = LatencyStatistics.Percentile(sorted, 95),
            ["p99"] = LatencyStatistics.Percentile(sorted, 99),
            ["p999"] = LatencyStatistics.Percentile(sorted, 99.9),
        };
    }

    private Dictionary<string, double> Fidelity(MetricSpec metric, ModelArtifact model, ModelArtifact reference, LoadedData loaded, CancellationToken cancellation)
    {
        if (reference.IsCheckpoint)
        {
            throw new DataException($"metric {metric.Name}: fidelity compares against the input model, but the input is a Hugging Face checkpoint with no ONNX model; use accuracy or perplexity metrics for exported models");
        }

        var outputName = metric.UserConfig["output_name"]?.GetValue<string>();
        using var candidate = Open(model.ModelPath);
        using var baseline = Open(reference.ModelPath);
        var scores = new FidelityScores();
        using var step = Workflows.RunProgress.Step($"{metric.Name} ({metric.Type})", loaded.Batches.Count);
        foreach (var batch in loaded.Batches)
        {
            cancellation.ThrowIfCancellationRequested();
            var (expected, shape) = Run(baseline, batch, outputName, metric.Name);
            var (actual, actualShape) = Run(candidate, batch, outputName, metric.Name);
            step.Advance();
            if (!shape.SequenceEqual(actualShape))
            {
                throw new DataException($"metric {metric.Name}: the candidate's output shape [{string.Join(",", actualShape)}] differs from the input model's [{string.Join(",", shape)}]");
            }

            scores.Add(expected, actual, (int)shape[^1]);
        }

        return scores.Values().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    private Dictionary<string, double> Memory(ModelArtifact model, LoadedData loaded, CancellationToken cancellation)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = MemoryProbe.ResidentBytes();
        var peak = before;
        using (var session = Open(model.ModelPath))
        {
            peak = Math.Max(peak, MemoryProbe.ResidentBytes());
            foreach (var batch in loaded.Batches.Take(4))
            {
                cancellation.ThrowIfCancellationRequested();
                Run(session, batch, null, "memory");
                peak = Math.Max(peak, MemoryProbe.ResidentBytes());
            }
        }

        return new(StringComparer.Ordinal) { ["peak_rss"] = peak - before };
    }
}
