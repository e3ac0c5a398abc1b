using OliveNet.Engine.Reports;

namespace OliveNet.Cli.Output;

/// <summary>Prints the evaluation part of a run: baseline, candidates and goal verdicts.</summary>
internal static class ReportText
{
    public static void Write(TextWriter w, RunReport r)
    {
        if (r.Metrics.Count == 0)
        {
            return;
        }

        if (r.Search is { } s)
        {
            w.WriteLine($"search      {s.ExecutionOrder}/{s.Sampler}: {s.Tried} of {s.SpaceSize} points, {s.Failed} failed ({s.StopReason})");
        }

        if (r.Baseline is not null)
        {
            w.WriteLine($"input       {Values(r, r.Baseline, null)}");
        }

        foreach (var c in r.Candidates)
        {
            var mark = c.Index == r.Best ? "*" : " ";
            var verdict = c.Error is not null ? $"pruned: {c.Error}" : $"{Values(r, c.Metrics, c.Spreads)}  goals {(c.GoalsMet ? "met" : "NOT met")}";
            w.WriteLine($"{mark}#{c.Index,-3} {c.Label}: {verdict}");
        }

        foreach (var g in r.Goals)
        {
            var best = r.Candidates.FirstOrDefault(c => c.Index == r.Best);
            w.WriteLine($"goal        {g.Key} {g.Text}: {(best?.Verdicts.GetValueOrDefault(g.Key) == true ? "met" : "NOT met")}");
        }

        foreach (var step in r.Choice)
        {
            w.WriteLine($"choice      {step.Text}");
        }
    }

    /// <summary>Each value with its unit; for a candidate (spreads given) also its change from the input model.</summary>
    private static string Values(RunReport r, IReadOnlyDictionary<string, double> values, IReadOnlyDictionary<string, double>? spreads) =>
        string.Join("  ", r.Metrics.Where(m => values.ContainsKey(m.Key)).Select(m =>
        {
            var change = spreads is null ? string.Empty : MetricFormat.Change(m, (r.Baseline is not null && r.Baseline.TryGetValue(m.Key, out var b) ? b : null), values[m.Key], spreads.GetValueOrDefault(m.Key));
            return $"{m.Key} {MetricFormat.Value(m, values[m.Key])}{(change.Length > 0 ? $" ({change})" : string.Empty)}";
        }));
}
