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
        .better{color:#2e7d32;font-size:11px}.worse{color:#c62828;font-size:11px}.neutral{color:#666;font-size:11px}.note{color:#555}
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

        if (r.Candidates.Count(c => c.Error is null) >= 2 && r.Metrics.Any(m => m.Priority > 0))
        {
            body.Add(new XElement(X + "h2", "Pareto chart"), ParetoChart.Render(r));
        }
        if (r.Metrics.Count > 0)
        {
            body.Add(new XElement(X + "h2", "Candidates"), CandidateTable(r));
        }

        var lossy = r.Candidates.SelectMany(c => c.Lineage.Where(l => l.Fidelity is not null).Select(l => (c, l))).ToList();
        if (lossy.Count > 0)
        {
            var table = new XElement(X + "table", Row("th", "#", "step", "pass", "fidelity against its input"));
            foreach (var (c, l) in lossy)
            {
                var low = l.Fidelity!.Value is { } v && v < r.MinFidelity;
                table.Add(new XElement(X + "tr", Cell("td", c.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), "l"), Cell("td", l.Step, "l"), Cell("td", l.Type, "l"),
                    Cell("td", l.Fidelity.Describe(), low ? "l miss" : "l")));
            }

            body.Add(new XElement(X + "h2", $"Fidelity of lossy passes (min_fidelity {ReportFormat.Number(r.MinFidelity)})"), table);
        }

        body.Add(new XElement(X + "h2", "Lineage"));
        foreach (var c in r.Candidates)
        {
            var details = new XElement(X + "details", c.Index == r.Best ? new XAttribute("open", "open") : null,
                new XElement(X + "summary", $"#{c.Index} {c.Label}{(c.Index == r.Best ? " (best)" : string.Empty)}"));
            var list = new XElement(X + "ol", new XElement(X + "li", $"input {r.InputModel} ({r.InputArtifactId[..12]})"));
            foreach (var l in c.Lineage)
            {
                var item = new XElement(X + "li", $"{l.Step}: {l.Type} v{l.Version} ", new XElement(X + "code", l.Options),
                    $" → {l.ArtifactId[..12]} {(l.Cached ? "(cached)" : $"({l.DurationMs / 1000:0.00} s)")}");
                if (l.Fidelity is { } fidelity)
                {
                    item.Add(new XElement(X + "br"), new XElement(X + "span", new XAttribute("class", "note"), $"Fidelity: {fidelity.Describe()}"));
                }

                list.Add(item);
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
            var column = r.Metrics.FirstOrDefault(m => m.Key == g.Key) ?? new MetricColumn(g.Key, string.Empty, g.HigherIsBetter, g.Priority);
            var baseline = g.Baseline ?? ReportFormat.Value(r.Baseline, g.Key);
            var value = ReportFormat.Value(best?.Metrics, g.Key);
            table.Add(new XElement(X + "tr",
                Cell("td", g.Key, "l"), Cell("td", $"{g.Type} {ReportFormat.Number(g.Value)}", "l"),
                Cell("td", $"{(g.HigherIsBetter ? "≥" : "≤")} {MetricFormat.Value(column, g.Bound)}"),
                Cell("td", MetricFormat.Value(column, baseline)),
                ValueCell(column, baseline, value, best?.Spreads.GetValueOrDefault(g.Key) ?? 0, null),
                Cell("td", met ? "met" : "not met", met ? "met" : "miss")));
        }

        return table;
    }

    private static XElement CandidateTable(RunReport r)
    {
        var header = new XElement(X + "tr", Cell("th", "#"), Cell("th", "candidate", "l"));
        foreach (var m in r.Metrics)
        {
            header.Add(Cell("th", $"{MetricFormat.Title(m)} {(m.HigherIsBetter ? "↑" : "↓")}{(m.Priority > 0 ? $" p{m.Priority}" : string.Empty)}"));
        }

        header.Add(Cell("th", "Pareto"), Cell("th", "goals", "l"));
        var table = new XElement(X + "table", header);
        if (r.Baseline is not null)
        {
            var input = new XElement(X + "tr", Cell("td", "–"), Cell("td", "input model", "l"));
            input.Add(r.Metrics.Select(m => Cell("td", MetricFormat.Value(m, ReportFormat.Value(r.Baseline, m.Key)))));
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
                row.Add(ValueCell(m, ReportFormat.Value(r.Baseline, m.Key), ReportFormat.Value(c.Metrics, m.Key), c.Spreads.GetValueOrDefault(m.Key), verdict));
            }

            row.Add(Cell("td", c.Pareto ? "●" : string.Empty), Cell("td", c.Error is not null ? $"pruned: {c.Error}" : c.GoalsMet ? "all met" : "not met", "l"));
            table.Add(row);
        }

        return table;
    }

    /// <summary>A value with its unit and, under it, its change from the input model marked better or worse.</summary>
    private static XElement ValueCell(MetricColumn column, double? baseline, double? value, double spread, string? cls)
    {
        var cell = Cell("td", MetricFormat.Value(column, value), cls);
        var change = MetricFormat.Change(column, baseline, value, spread);
        if (change.Length > 0)
        {
            var direction = MetricFormat.Direction(column, baseline, value, spread);
            cell.Add(new XElement(X + "br"), new XElement(X + "span", new XAttribute("class", direction > 0 ? "better" : direction < 0 ? "worse" : "neutral"), change));
        }

        return cell;
    }

    private static XElement Row(string tag, params string[] cells) => new(X + "tr", cells.Select((c, i) => Cell(tag, c, i < 2 ? "l" : null)));

    private static XElement Cell(string tag, string text, string? cls = null) =>
        new(X + tag, cls is null ? null : new XAttribute("class", cls), text);
}
