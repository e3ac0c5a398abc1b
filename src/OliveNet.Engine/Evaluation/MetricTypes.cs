namespace OliveNet.Engine.Evaluation;

/// <summary>The metric types and sub-types OliveNet computes, and the direction each defaults to (as Olive's).</summary>
public static class MetricTypes
{
    /// <summary>Sub-types of each metric type.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> SubTypes { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["accuracy"] = ["accuracy_score", "f1_score", "precision", "recall", "top_k", "exact_match", "cer", "wer", "rtfx", "perplexity", "auroc"],
        ["latency"] = Percentiles,
        ["throughput"] = Percentiles,
        ["size_on_disk"] = ["bytes"],
        ["fidelity"] = ["max_abs", "mean_abs", "cosine", "top1_agreement", "kl"],
        ["memory"] = ["peak_rss"],
        ["generation_latency"] = ["time_to_first_token", "prefill_tokens_per_second", "decode_tokens_per_second", "peak_memory"],
        [MmluTask.MetricType] = ["acc"],
    };

    private static string[] Percentiles => ["avg", "min", "max", "p50", "p75", "p90", "p95", "p99", "p999"];

    /// <summary>
    /// Olive's defaults: accuracy sub-types are higher-is-better (rtfx, audio seconds per second of transcription, too)
    /// except error rates (cer, wer) and perplexity; latency is
    /// lower; throughput higher; size is forced lower. Fidelity: agreement and cosine higher, distances lower. Memory
    /// lower. Generation latency (ours): tokens per second higher, time to first token and peak memory lower.
    /// </summary>
    public static bool DefaultHigherIsBetter(string type, string subType) => type switch
    {
        "accuracy" => subType is not ("cer" or "wer" or "perplexity"),
        "generation_latency" => subType.EndsWith("_per_second", StringComparison.Ordinal),
        "latency" or "size_on_disk" or "memory" => false,
        "throughput" => true,
        "fidelity" => subType is "cosine" or "top1_agreement",
        _ => true,
    };

    /// <summary>Whether the direction is fixed (Olive forces size_on_disk to lower-is-better).</summary>
    public static bool DirectionFixed(string type) => type == "size_on_disk";

    /// <summary>Whether the metric type reads a data config.</summary>
    public static bool NeedsData(string type) => type is not ("size_on_disk" or "generation_latency" or MmluTask.MetricType);

    /// <summary>Whether the metric needs labels from the data config.</summary>
    public static bool NeedsLabels(string type) => type == "accuracy";

    /// <summary>Accuracy sub-types computed from transcripts of a speech data config (Olive's text-based sub-types).</summary>
    public static IReadOnlyList<string> SpeechSubTypes { get; } = ["wer", "rtfx"];
}
