using System.Globalization;

namespace OliveNet.Engine.Reports;

/// <summary>Number and verdict formatting shared by the report renderers.</summary>
internal static class ReportFormat
{
    public static string Number(double? value) => value switch
    {
        null => "–",
        { } v when double.IsNaN(v) => "NaN",
        { } v when Math.Abs(v) >= 1e6 => v.ToString("0.###e+0", CultureInfo.InvariantCulture),
        { } v when Math.Abs(v) >= 100 => v.ToString("0.#", CultureInfo.InvariantCulture),
        { } v => v.ToString("0.####", CultureInfo.InvariantCulture),
    };

    public static double? Value(IReadOnlyDictionary<string, double>? values, string key) =>
        values is not null && values.TryGetValue(key, out var v) ? v : null;

    public static string Outcome(RunReport report) => report.Outcome switch
    {
        "published" when report.Goals.Count == 0 => "published (no goals)",
        "published" when report.Candidates.ElementAtOrDefault(report.Best ?? -1) is { GoalsMet: false } => "published, goals NOT met (gate: false)",
        "published" => "published: every goal met",
        "goals_not_met" => "goals not met: nothing published",
        _ => "no candidate could be built or evaluated: nothing published",
    };

    public static CandidateRow? Best(RunReport report) => report.Best is { } b ? report.Candidates.FirstOrDefault(c => c.Index == b) : null;

    /// <summary>Change from the baseline in percent, signed; null when either is missing or the baseline is 0.</summary>
    public static string Change(double? baseline, double? value) =>
        baseline is { } b && value is { } v && b != 0 ? $"{(v - b) / Math.Abs(b) * 100:+0.0;-0.0;0.0}%" : "–";
}
