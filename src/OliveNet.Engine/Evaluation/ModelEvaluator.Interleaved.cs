using System.Diagnostics;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Benchmarking;
using OliveNet.Engine.Data;
using OliveNet.Runtime;

namespace OliveNet.Engine.Evaluation;

/// <summary>A timing metric measured for several models together: per model its statistics and their spread.</summary>
/// <param name="Values">Statistic name (p50, avg …) → value, per model in the order given.</param>
/// <param name="Spreads">Half the interquartile range of each model's samples, in the metric's unit.</param>
public sealed record InterleavedTiming(IReadOnlyList<IReadOnlyDictionary<string, double>> Values, IReadOnlyList<double> Spreads);

public sealed partial class ModelEvaluator
{
    /// <summary>Whether a metric type is a timing measurement, whose values move with the machine's load.</summary>
    public static bool IsTiming(string type) => type is "latency" or "throughput";

    /// <summary>
    /// Measures a latency or throughput metric for <paramref name="models"/> in one process, interleaved: every model is
    /// warmed up, then each round runs every model once, the order rotating by one model per round so none is always
    /// first. Load that changes during the measurement then falls on every model alike, which separate measurements
    /// cannot promise. Intra-op threads do not spin between runs (see <see cref="OpenForTiming"/>). Not cached: it is a
    /// comparison made now, on this machine.
    /// </summary>
    /// <exception cref="DataException">The data does not fit a model.</exception>
    /// <exception cref="OrtException">ONNX Runtime rejected a model or a run.</exception>
    public InterleavedTiming MeasureTogether(MetricSpec metric, IReadOnlyList<ModelArtifact> models, CancellationToken cancellation = default)
    {
        var warmup = (int)(JsonNumbers.Get(metric.UserConfig["warmup_num"]) ?? 10);
        var repeat = Math.Max(4, (int)(JsonNumbers.Get(metric.UserConfig["repeat_test_num"]) ?? 20));
        var sessions = new List<InferenceSession>();
        var feeds = new List<List<KeyValuePair<string, OrtValue>>>();
        var rows = new List<long>();
        try
        {
            foreach (var model in models)
            {
                var batch = Data(metric.DataConfig!, model).Batches[0];
                sessions.Add(OpenForTiming(model.ModelPath));
                feeds.Add(batch.Feed(sessions[^1].Inputs));
                rows.Add(batch.Inputs.Values.First().Shape is { Length: > 0 } s ? s[0] : 1);
            }

            for (var m = 0; m < models.Count; m++)
            {
                for (var i = 0; i < warmup; i++)
                {
                    using var _ = sessions[m].Run(feeds[m]);
                }
            }

            var samples = models.Select(_ => new double[repeat]).ToList();
            for (var round = 0; round < repeat; round++)
            {
                cancellation.ThrowIfCancellationRequested();
                for (var k = 0; k < models.Count; k++)
                {
                    var m = (round + k) % models.Count;
                    var start = Stopwatch.GetTimestamp();
                    using var outputs = sessions[m].Run(feeds[m]);
                    samples[m][round] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            }

            var series = samples.Select((s, m) => metric.Type == "throughput" ? s.Select(ms => rows[m] / ms * 1000).ToArray() : s).ToList();
            return new InterleavedTiming(
                series.Select(s => (IReadOnlyDictionary<string, double>)Statistics(s)).ToList(),
                series.Select(HalfInterquartileRange).ToList());
        }
        finally
        {
            foreach (var value in feeds.SelectMany(f => f))
            {
                value.Value.Dispose();
            }

            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }

    /// <summary>
    /// A session whose idle intra-op threads sleep instead of spinning: with several sessions in one process, a spinning
    /// pool of the model just run would otherwise take the cores of the model run next.
    /// </summary>
    private InferenceSession OpenForTiming(string modelPath)
    {
        using var options = EvaluationSessions.Options(modelPath, target.ExecutionProvider, forTiming: true);
        return new InferenceSession(modelPath, options);
    }

    /// <summary>Half the distance between the 25th and 75th percentiles: how far a typical sample lies from the median.</summary>
    internal static double HalfInterquartileRange(IReadOnlyList<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return (LatencyStatistics.Percentile(sorted, 75) - LatencyStatistics.Percentile(sorted, 25)) / 2;
    }
}
