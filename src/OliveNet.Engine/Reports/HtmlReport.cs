using System.Xml.Linq;

namespace OliveNet.Engine.Reports;

/// <summary>
/// report.html: one self-contained page (inline CSS and SVG, no scripts or external links) built as XHTML with
/// <see cref="XElement"/>, so it is well-formed XML by construction: outcome, goals, a Pareto chart, the candidate table
/// with goal verdicts, and the lineage of every candidate.
/// </summary>
internal static class HtmlReport
{
    private static readonly XNamespace X = "http://www.w3.org/1999/xhtml";

    private const string Css = """
        body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
        h1{font-size:22px}h2{font-size:17px;margin-top:28px}
        table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
        td.l,th.l{text-align:left}tr.best{background:#eef6ff;font-weight:600}
        .met{background:#e3f5e1}.miss{background:#fde2e1}.pruned{color:#888}
        .badge{display:inline-block;padding:3px 10px;border-radius:10px;color:#fff}.ok{background:#2e7d32}.bad{background:#c62828}
        code{font-size:12px;white-space:pre-wrap;word-break:break-all}details{margin:4px 0}
        """;

    public static string Render(RunReport r)
    {
        var best = ReportFormat.Best(r);
        var ok = r.Outcome == "published";
        var body = new XElement(X + "body",
            new XElement(X + "h1", $"OliveNet report: {r.WorkflowId} "),
            new XElement(X + "p", new XElement(X + "span", new XAttribute("class", $"badge {(ok ? "ok" : "bad")}"), ReportFormat.Outcome(r))),
            new XElement(X + "p", $"Recipe {r.Recipe}; input model {r.InputModel}; target {r.Target}; {r.Candidates.Count} candidate(s) in {r.DurationMs / 1000:0.0} s."
                + (r.Search is { } s ? $" Search: {s.ExecutionOrder}, {s.Sampler} sampler (seed {s.Seed}), {s.Tried} of {s.SpaceSize} points tried, {s.Failed} failed; stopped: {s.StopReason}." : " No search: one fixed plan.")));
        foreach (var w in r.Warnings)
        {
            body.Add(new XElement(X + "p", new XAttribute("class", "miss"), $"Warning: {w}"));
        }

        if (r.Goals.Count > 0)
        {
            body.Add(new XElement(X + "h2", "Goals"), GoalTable(r, best));
        }

        if (r.Choice.Count > 0 || r.ChoiceNotes.Count > 0)
        {
            body.Add(new XElement(X + "h2", r.Choice.Any(c => c.Tie) ? "How the best was chosen (a tie, broken by rule)" : "How the best was chosen"),
                new XElement(X + "ol", r.Choice.Select(c => new XElement(X + "li", c.Text)), r.ChoiceNotes.Select(n => new XElement(X + "li", new XAttribute("class", "note"), n))));
        }

        body.Add(new XElement(X + "h2", "Pareto chart"), ParetoChart.Render(r));
        if (r.Metrics.Count > 0)
        {
            body.Add(new XElement(X + "h2", "Candidates"), CandidateTable(r));
        }

        body.Add(new XElement(X + "h2", "Lineage"));
        foreach (var c in r.Candidates)
        {
            var details = new XElement(X + "details", c.Index == r.Best ? new XAttribute("open", "open") : null,
                new XElement(X + "summary", $"#{c.Index} {c.Label}{(c.Index == r.Best ? " (best)" : string.Empty)}"));
            var list = new XElement(X + "ol", new XElement(X + "li", $"input {r.InputModel} ({r.InputArtifactId[..12]})"));
            foreach (var l in c.Lineage)
            {
                list.Add(new XElement(X + "li", $"{l.Step}: {l.Type} v{l.Version} ", new XElement(X + "code", l.Options),
                    $" → {l.ArtifactId[..12]} {(l.Cached ? "(cached)" : $"({l.DurationMs / 1000:0.00} s)")}"));
            }

            details.Add(list);
            if (c.Error is not null)
            {
                details.Add(new XElement(X + "p", new XAttribute("class", "miss"), $"Pruned: {c.Error}"));
            }

            body.Add(details);
        }

        var html = new XElement(X + "html", new XAttribute(XNamespace.Xml + "lang", "en"),
            new XElement(X + "head", new XElement(X + "meta", new XAttribute("charset", "utf-8")), new XElement(X + "title", $"OliveNet {r.WorkflowId}"), new XElement(X + "style", Css)),
            body);
        return "<!DOCTYPE html>\n" + html + "\n";
    }

    private static XElement GoalTable(RunReport r, CandidateRow? best)
    {
        var table = new XElement(X + "table", Row("th", "goal", "type", "bound", "input model", "best candidate", "verdict"));
        foreach (var g in r.Goals)
        {
            var met = best?.Verdicts.GetValueOrDefault(g.Key) ?? false;
            table.Add(new XElement(X + "tr",
                Cell("td", g.Key, "l"), Cell("td", $"{g.Type} {ReportFormat.Number(g.Value)}", "l"),
                Cell("td", $"{(g.HigherIsBetter ? "≥" : "≤")} {ReportFormat.Number(g.Bound)}"),
                Cell("td", ReportFormat.Number(g.Baseline ?? ReportFormat.Value(r.Baseline, g.Key))),
                Cell("td", ReportFormat.Number(ReportFormat.Value(best?.Metrics, g.Key))),
                Cell("td", met ? "met" : "not met", met ? "met" : "miss")));
        }

        return table;
    }

    private static XElement CandidateTable(RunReport r)
    {
        var header = new XElement(X + "tr", Cell("th", "#"), Cell("th", "candidate", "l"));
        foreach (var m in r.Metrics)
        {
            header.Add(Cell("th", $"{m.Key} {(m.HigherIsBetter ? "↑" : "↓")}{(m.Priority > 0 ? $" p{m.Priority}" : string.Empty)}"));
        }

        header.Add(Cell("th", "Pareto"), Cell("th", "goals", "l"));
        var table = new XElement(X + "table", header);
        if (r.Baseline is not null)
        {
            var input = new XElement(X + "tr", Cell("td", "–"), Cell("td", "input model", "l"));
            input.Add(r.Metrics.Select(m => Cell("td", ReportFormat.Number(ReportFormat.Value(r.Baseline, m.Key)))));
            input.Add(Cell("td", string.Empty), Cell("td", string.Empty, "l"));
            table.Add(input);
        }

        foreach (var c in r.Candidates)
        {
            var row = new XElement(X + "tr", c.Index == r.Best ? new XAttribute("class", "best") : c.Error is not null ? new XAttribute("class", "pruned") : null,
                Cell("td", c.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)), Cell("td", c.Label, "l"));
            foreach (var m in r.Metrics)
            {
                var verdict = c.Verdicts.TryGetValue(m.Key, out var met) ? (met ? "met" : "miss") : null;
                row.Add(Cell("td", ReportFormat.Number(ReportFormat.Value(c.Metrics, m.Key)), verdict));
            }

            row.Add(Cell("td", c.Pareto ? "●" : string.Empty), Cell("td", c.Error is not null ? $"pruned: {c.Error}" : c.GoalsMet ? "all met" : "not met", "l"));
            table.Add(row);
        }

        return table;
    }

    private static XElement Row(string tag, params string[] cells) => new(X + "tr", cells.Select((c, i) => Cell(tag, c, i < 2 ? "l" : null)));

    private static XElement Cell(string tag, string text, string? cls = null) =>
        new(X + tag, cls is null ? null : new XAttribute("class", cls), text);
}
