using System.Globalization;
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
            w.WriteLine($"input       {Values(r, r.Baseline)}");
        }

        foreach (var c in r.Candidates)
        {
            var mark = c.Index == r.Best ? "*" : " ";
            var verdict = c.Error is not null ? $"pruned: {c.Error}" : $"{Values(r, c.Metrics)}  goals {(c.GoalsMet ? "met" : "NOT met")}";
            w.WriteLine($"{mark}#{c.Index,-3} {c.Label}: {verdict}");
        }

        foreach (var g in r.Goals)
        {
            var best = r.Candidates.FirstOrDefault(c => c.Index == r.Best);
            w.WriteLine($"goal        {g.Key} {g.Text}: {(best?.Verdicts.GetValueOrDefault(g.Key) == true ? "met" : "NOT met")}");
        }
    }

    private static string Values(RunReport r, IReadOnlyDictionary<string, double> values) =>
        string.Join("  ", r.Metrics.Where(m => values.ContainsKey(m.Key)).Select(m => $"{m.Key} {values[m.Key].ToString("G5", CultureInfo.InvariantCulture)}"));
}
