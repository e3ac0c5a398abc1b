using System.Globalization;

namespace OliveNet.Engine.Reports;

/// <summary>
/// Metric values as people read them: with their unit (ms, MB, samples/s, tokens/s, %), in plain decimals with three
/// significant digits, and changes against the input model marked better or worse by the metric's direction.
/// </summary>
public static class MetricFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The value with its unit, e.g. <c>29.2 ms</c>, <c>10.8 MB</c>, <c>97.5 %</c>; <c>–</c> when missing.</summary>
    public static string Value(MetricColumn column, double? value) => value switch
    {
        null => "–",
        { } v when double.IsNaN(v) => "NaN",
        { } v => Unit(column) switch
        {
            "ms" when Math.Abs(v) >= 10_000 => $"{Significant(v / 1000)} s",
            "bytes" => Bytes(v),
            "%" => $"{Significant(v * 100)} %",
            "" => Significant(v),
            var unit => $"{Significant(v)} {unit}",
        },
    };

    /// <summary>
    /// The change from <paramref name="baseline"/> to <paramref name="value"/> with its direction: <c>−25.8 % (better)</c>;
    /// percentages change in points (<c>−1.2 pts (worse)</c>); a change within <paramref name="spread"/> is
    /// <c>within noise</c>. Empty when either value is missing.
    /// </summary>
    public static string Change(MetricColumn column, double? baseline, double? value, double spread = 0)
    {
        if (baseline is not { } b || value is not { } v || double.IsNaN(b) || double.IsNaN(v))
        {
            return string.Empty;
        }

        var diff = v - b;
        if (diff == 0)
        {
            return "same";
        }

        var amount = Unit(column) == "%"
            ? $"{Signed(diff * 100)} pts"
            : b != 0 ? $"{Signed(diff / Math.Abs(b) * 100)} %" : Signed(diff);
        if (Math.Abs(diff) <= spread)
        {
            return $"{amount} (within noise)";
        }

        return $"{amount} ({(diff > 0 == column.HigherIsBetter ? "better" : "worse")})";
    }

    /// <summary>Whether the change is better (+1), worse (−1), or neither (0: same, within noise or missing).</summary>
    public static int Direction(MetricColumn column, double? baseline, double? value, double spread = 0) =>
        baseline is { } b && value is { } v && !double.IsNaN(b) && !double.IsNaN(v) && v != b && Math.Abs(v - b) > spread
            ? (v > b == column.HigherIsBetter ? 1 : -1)
            : 0;

    /// <summary>The unit of a column: ms, bytes, %, samples/s, tokens/s, × real time (rtfx: audio seconds per second of
    /// transcription), or empty for plain numbers.</summary>
    public static string Unit(MetricColumn column)
    {
        var sub = SubType(column);
        return column.Type switch
        {
            "latency" => "ms",
            "throughput" => "samples/s",
            "size_on_disk" or "memory" => "bytes",
            "generation_latency" when sub.EndsWith("_per_second", StringComparison.Ordinal) => "tokens/s",
            "generation_latency" when sub == "peak_memory" => "bytes",
            "generation_latency" => "ms",
            "accuracy" when sub == "rtfx" => "× real time",
            "accuracy" when sub != "perplexity" => "%",
            _ => string.Empty,
        };
    }

    /// <summary>The axis or column title: the key with its unit, e.g. <c>latency-p50 (ms)</c>.</summary>
    public static string Title(MetricColumn column) => Unit(column) switch
    {
        "" => column.Key,
        "bytes" => $"{column.Key} (MB)",
        var unit => $"{column.Key} ({unit})",
    };

    /// <summary>Bytes in decimal units: <c>10.8 MB</c>, <c>512 KB</c>, <c>1.2 GB</c>.</summary>
    public static string Bytes(double bytes) => Math.Abs(bytes) switch
    {
        >= 1e9 => $"{Significant(bytes / 1e9)} GB",
        >= 1e6 => $"{Significant(bytes / 1e6)} MB",
        >= 1e3 => $"{Significant(bytes / 1e3)} KB",
        _ => $"{bytes.ToString("0", Invariant)} B",
    };

    /// <summary>Three significant digits in plain decimals (no exponent): 0.00394, 29.2, 1234.</summary>
    public static string Significant(double v)
    {
        if (v == 0 || !double.IsFinite(v))
        {
            return v.ToString(Invariant);
        }

        var digits = Math.Max(0, 2 - (int)Math.Floor(Math.Log10(Math.Abs(v))));
        return Math.Round(v, Math.Min(digits, 15)).ToString("0." + new string('#', Math.Min(digits, 15)), Invariant);
    }

    private static string Signed(double v) => (v > 0 ? "+" : v < 0 ? "−" : string.Empty) + Significant(Math.Abs(v));

    private static string SubType(MetricColumn column) =>
        Evaluation.MetricTypes.SubTypes.TryGetValue(column.Type, out var subs)
            ? subs.Where(s => column.Key.EndsWith("-" + s, StringComparison.Ordinal)).MaxBy(s => s.Length) ?? string.Empty
            : string.Empty;
}
