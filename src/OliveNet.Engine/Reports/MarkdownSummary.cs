using System.Text;

namespace OliveNet.Engine.Reports;

/// <summary>summary.md: a short Markdown page that fits a CI job summary (GitHub's $GITHUB_STEP_SUMMARY).</summary>
internal static class MarkdownSummary
{
    public static string Render(RunReport r)
    {
        var best = ReportFormat.Best(r);
        var md = new StringBuilder();
        md.AppendLine($"## OliveNet `{r.WorkflowId}`: {ReportFormat.Outcome(r)}");
        md.AppendLine();
        md.AppendLine($"Input `{r.InputModel}` on {r.Target}; {r.Candidates.Count} candidate(s) in {r.DurationMs / 1000:0.0} s" +
            (r.Search is { } s ? $" ({s.ExecutionOrder} search, {s.Sampler} sampler, {s.Tried} of {s.SpaceSize} points, {s.Failed} failed; {s.StopReason})." : "."));
        md.AppendLine();
        if (r.Goals.Count > 0)
        {
            md.AppendLine("| goal | bound | input model | best candidate | verdict |");
            md.AppendLine("|---|---|---|---|---|");
            foreach (var g in r.Goals)
            {
                var met = best?.Verdicts.GetValueOrDefault(g.Key) ?? false;
                var column = r.Metrics.FirstOrDefault(m => m.Key == g.Key) ?? new MetricColumn(g.Key, string.Empty, g.HigherIsBetter, g.Priority);
                md.AppendLine($"| {g.Key} ({g.Type} {ReportFormat.Number(g.Value)}) | {(g.HigherIsBetter ? "≥" : "≤")} {MetricFormat.Value(column, g.Bound)} | {MetricFormat.Value(column, g.Baseline ?? ReportFormat.Value(r.Baseline, g.Key))} | {MetricFormat.Value(column, ReportFormat.Value(best?.Metrics, g.Key))} | {(met ? "✅ met" : "❌ not met")} |");
            }

            md.AppendLine();
        }

        if (r.Metrics.Count > 0)
        {
            md.AppendLine($"| # | candidate | {string.Join(" | ", r.Metrics.Select(m => $"{m.Key} {(m.HigherIsBetter ? "↑" : "↓")}"))} | goals |");
            md.AppendLine($"|---|---|{string.Concat(r.Metrics.Select(_ => "---|"))}---|");
            if (r.Baseline is not null)
            {
                md.AppendLine($"| – | input model | {string.Join(" | ", r.Metrics.Select(m => MetricFormat.Value(m, ReportFormat.Value(r.Baseline, m.Key))))} | |");
            }

            foreach (var c in r.Candidates)
            {
                var mark = c.Index == r.Best ? " **(best)**" : string.Empty;
                var verdict = c.Error is not null ? $"pruned: {c.Error.Replace('|', '/')}" : c.GoalsMet ? "✅" : "❌";
                md.AppendLine($"| {c.Index} | {c.Label}{mark} | {string.Join(" | ", r.Metrics.Select(m => Cell(r, c, m)))} | {verdict} |");
            }

            var lossy = r.Candidates.SelectMany(c => c.Lineage.Where(l => l.Fidelity is not null).Select(l => (c, l))).ToList();
            if (lossy.Count > 0)
            {
                md.AppendLine().AppendLine($"**Fidelity of lossy passes** against their input (min_fidelity {ReportFormat.Number(r.MinFidelity)}):").AppendLine();
                foreach (var (c, l) in lossy)
                {
                    md.AppendLine($"- #{c.Index} {l.Step} ({l.Type}): {l.Fidelity!.Describe()}");
                }
            }
        }

        if (r.Choice.Count > 0 || r.ChoiceNotes.Count > 0)
        {
            md.AppendLine().AppendLine(r.Choice.Any(c => c.Tie) ? "**How the best was chosen** (a tie, broken by the documented rule):" : "**How the best was chosen:**").AppendLine();
            foreach (var step in r.Choice)
            {
                md.AppendLine($"- {step.Text}");
            }

            foreach (var note in r.ChoiceNotes)
            {
                md.AppendLine($"- {note}");
            }
        }

        foreach (var w in r.Warnings)
        {
            md.AppendLine().AppendLine($"> ⚠️ {w}");
        }

        return md.ToString();
    }

    private static string Cell(RunReport r, CandidateRow c, MetricColumn m)
    {
        var value = ReportFormat.Value(c.Metrics, m.Key);
        var change = MetricFormat.Change(m, ReportFormat.Value(r.Baseline, m.Key), value, c.Spreads.GetValueOrDefault(m.Key));
        return change.Length == 0 ? MetricFormat.Value(m, value) : $"{MetricFormat.Value(m, value)} ({change})";
    }
}
