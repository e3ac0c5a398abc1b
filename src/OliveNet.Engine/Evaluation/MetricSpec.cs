using System.Text.Json.Nodes;

namespace OliveNet.Engine.Evaluation;

/// <summary>One metric of an evaluator (Olive's <c>Metric</c>): a type, its sub-types, and the data it runs on.</summary>
/// <param name="Name">The metric's name; result keys are <c>name-subtype</c>.</param>
/// <param name="Type">accuracy, latency, throughput, size_on_disk, fidelity or memory.</param>
/// <param name="SubTypes">What is measured, with priority, direction and goal.</param>
/// <param name="DataConfig">The name of the data config it reads; null for metrics that need no data (size_on_disk).</param>
/// <param name="UserConfig">Type-specific settings (latency: warmup_num, repeat_test_num; accuracy: k).</param>
/// <param name="CanonicalJson">Sorted JSON of the metric as resolved; part of its evaluation cache key.</param>
public sealed record MetricSpec(string Name, string Type, IReadOnlyList<SubMetricSpec> SubTypes, string? DataConfig, JsonObject UserConfig, string CanonicalJson);

/// <summary>One sub-type of a metric (Olive's <c>SubMetric</c>).</summary>
/// <param name="Name">accuracy_score, p90, cosine, …</param>
/// <param name="Priority">1 is ranked first; -1 = reported only, no goal applies.</param>
/// <param name="HigherIsBetter">Direction used by goals and ranking.</param>
/// <param name="Goal">The goal, if any.</param>
/// <param name="Parameters">Extra settings of the sub-type (top-k: <c>k</c>; f1: <c>average</c>).</param>
public sealed record SubMetricSpec(string Name, int Priority, bool HigherIsBetter, GoalSpec? Goal, JsonObject Parameters)
{
    /// <summary>Whether this sub-type is ranked (has a positive priority).</summary>
    public bool Ranked => Priority > 0;
}

/// <summary>A goal as written: one of Olive's five goal types and a non-negative value.</summary>
/// <param name="Type">threshold, min-improvement, max-degradation, percent-min-improvement or percent-max-degradation.</param>
/// <param name="Value">The value (an absolute threshold, an amount, or a percentage).</param>
public sealed record GoalSpec(string Type, double Value)
{
    /// <summary>Every goal type, as Olive names them.</summary>
    public static IReadOnlyList<string> Types { get; } =
        ["threshold", "min-improvement", "max-degradation", "percent-min-improvement", "percent-max-degradation"];

    /// <summary>Whether the goal is relative to the input model's value (all but threshold).</summary>
    public bool NeedsBaseline => Type != "threshold";
}

/// <summary>The evaluator a run uses: its metrics, in the order written.</summary>
/// <param name="Name">Its name in <c>evaluators</c>, or <c>inline</c>.</param>
/// <param name="Metrics">The metrics.</param>
/// <param name="CanonicalJson">Sorted JSON of the evaluator as resolved; part of evaluation cache keys.</param>
public sealed record EvaluatorSpec(string Name, IReadOnlyList<MetricSpec> Metrics, string CanonicalJson)
{
    /// <summary>Every sub-type with its result key, in the order written.</summary>
    public IEnumerable<(string Key, MetricSpec Metric, SubMetricSpec Sub)> SubMetrics =>
        Metrics.SelectMany(m => m.SubTypes.Select(s => ($"{m.Name}-{s.Name}", m, s)));
}

/// <summary>Reads numbers from recipe JSON, whether YAML typed them as integers or floats.</summary>
internal static class JsonNumbers
{
    public static double? Get(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)
            : null;
}
