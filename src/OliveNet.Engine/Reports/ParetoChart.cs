using System.Globalization;
using System.Xml.Linq;

namespace OliveNet.Engine.Reports;

/// <summary>
/// An inline SVG scatter of the candidates over the two highest-priority objectives (x = priority 2, y = priority 1;
/// with one objective, x is the candidate index). The frontier is joined by a line, the best is ringed, the input model is
/// a grey diamond, missed-goal candidates are red, and goal bounds are dashed lines.
/// </summary>
internal static class ParetoChart
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly double[] StepMultiples = [1, 2, 5, 10];
    private static readonly double[] LabelShifts = [0, 12, 24, 36];
    private const double W = 680, H = 400, Left = 80, Right = 20, Top = 20, Bottom = 90;

    public static XElement Render(RunReport r)
    {
        var objectives = r.Metrics.Where(m => m.Priority > 0).OrderBy(m => m.Priority).ToList();
        var svg = new XElement(Svg + "svg", new XAttribute("width", W), new XAttribute("height", H), new XAttribute("viewBox", $"0 0 {W} {H}"),
            new XAttribute("role", "img"), new XElement(Svg + "title", "Pareto chart of the candidates"));
        var points = r.Candidates.Where(c => c.Error is null).ToList();
        if (objectives.Count == 0 || points.Count == 0)
        {
            svg.Add(Text(W / 2, H / 2, "no ranked metric or no evaluated candidate to plot", "middle"));
            return svg;
        }

        var yKey = objectives[0];
        var xKey = objectives.Count > 1 ? objectives[1] : null;
        double X(CandidateRow c) => xKey is null ? c.Index : ReportFormat.Value(c.Metrics, xKey.Key) ?? 0;
        double Y(CandidateRow c) => ReportFormat.Value(c.Metrics, yKey.Key) ?? 0;
        var xs = points.Select(X).ToList();
        var ys = points.Select(Y).ToList();
        if (r.Baseline is not null)
        {
            if (xKey is not null && ReportFormat.Value(r.Baseline, xKey.Key) is { } bx)
            {
                xs.Add(bx);
            }

            if (ReportFormat.Value(r.Baseline, yKey.Key) is { } by)
            {
                ys.Add(by);
            }
        }

        ys.AddRange(r.Goals.Where(g => g.Key == yKey.Key).Select(g => g.Bound));
        if (xKey is not null)
        {
            xs.AddRange(r.Goals.Where(g => g.Key == xKey.Key).Select(g => g.Bound));
        }

        var (x0, x1, xStep) = Ticks(xs);
        var (y0, y1, yStep) = Ticks(ys);
        double Px(double v) => Left + ((v - x0) / (x1 - x0) * (W - Left - Right));
        double Py(double v) => H - Bottom - ((v - y0) / (y1 - y0) * (H - Top - Bottom));

        svg.Add(Line(Left, H - Bottom, W - Right, H - Bottom, "#444"), Line(Left, Top, Left, H - Bottom, "#444"));
        for (var xv = x0; xv <= x1 + (xStep / 2); xv += xStep)
        {
            svg.Add(Line(Px(xv), H - Bottom, Px(xv), H - Bottom + 4, "#444"), Text(Px(xv), H - Bottom + 16, Tick(xKey, xv), "middle"));
        }

        for (var yv = y0; yv <= y1 + (yStep / 2); yv += yStep)
        {
            svg.Add(Line(Left - 4, Py(yv), Left, Py(yv), "#444"), Text(Left - 6, Py(yv) + 4, Tick(yKey, yv), "end"));
        }

        svg.Add(Text((Left + W - Right) / 2, H - Bottom + 34, xKey is null ? "candidate #" : $"{MetricFormat.Title(xKey)}, {(xKey.HigherIsBetter ? "higher" : "lower")} is better", "middle"));
        svg.Add(new XElement(Svg + "text", new XAttribute("x", 14), new XAttribute("y", (Top + H - Bottom) / 2), new XAttribute("font-size", 12),
            new XAttribute("text-anchor", "middle"), new XAttribute("transform", $"rotate(-90 14 {F((Top + H - Bottom) / 2)})"),
            $"{MetricFormat.Title(yKey)}, {(yKey.HigherIsBetter ? "higher" : "lower")} is better"));
        Legend(svg, r.Goals.Any(g => g.Key == yKey.Key || g.Key == xKey?.Key), r.Baseline is not null);
        foreach (var g in r.Goals)
        {
            if (g.Key == yKey.Key)
            {
                svg.Add(Line(Left, Py(g.Bound), W - Right, Py(g.Bound), "#c62828", dashed: true));
            }
            else if (xKey is not null && g.Key == xKey.Key)
            {
                svg.Add(Line(Px(g.Bound), Top, Px(g.Bound), H - Bottom, "#c62828", dashed: true));
            }
        }

        var frontier = points.Where(c => c.Pareto).OrderBy(X).ToList();
        if (frontier.Count > 1)
        {
            svg.Add(new XElement(Svg + "polyline", new XAttribute("fill", "none"), new XAttribute("stroke", "#1565c0"), new XAttribute("stroke-width", 1.5),
                new XAttribute("points", string.Join(" ", frontier.Select(c => $"{F(Px(X(c)))},{F(Py(Y(c)))}")))));
        }

        if (r.Baseline is not null && ReportFormat.Value(r.Baseline, yKey.Key) is { } baseY)
        {
            var bx = xKey is null ? x0 : ReportFormat.Value(r.Baseline, xKey.Key) ?? x0;
            var (cx, cy) = (Px(bx), Py(baseY));
            svg.Add(new XElement(Svg + "polygon", new XAttribute("fill", "#888"), new XAttribute("points", $"{F(cx)},{F(cy - 7)} {F(cx + 7)},{F(cy)} {F(cx)},{F(cy + 7)} {F(cx - 7)},{F(cy)}"),
                new XElement(Svg + "title", "input model")));
            svg.Add(Text(cx + 9, cy - 6, "input", "start"));
        }

        var placed = new List<(double X0, double Y0, double X1, double Y1)>();
        if (r.Baseline is not null && ReportFormat.Value(r.Baseline, yKey.Key) is { } by2)
        {
            var bx2 = Px(xKey is null ? x0 : ReportFormat.Value(r.Baseline, xKey.Key) ?? x0);
            placed.Add((bx2 + 9, Py(by2) - 16, bx2 + 9 + 30, Py(by2) - 4));
        }

        foreach (var c in points)
        {
            placed.Add((Px(X(c)) - 6, Py(Y(c)) - 6, Px(X(c)) + 6, Py(Y(c)) + 6));
        }

        // Points closer than a label's height share one label ("#1, #2, #3"), placed where it overlaps no other label.
        var groups = new List<List<CandidateRow>>();
        foreach (var c in points.OrderBy(c => c.Index))
        {
            var group = groups.FirstOrDefault(g => Math.Abs(Px(X(g[0])) - Px(X(c))) < 10 && Math.Abs(Py(Y(g[0])) - Py(Y(c))) < 10);
            if (group is null)
            {
                groups.Add([c]);
            }
            else
            {
                group.Add(c);
            }
        }

        foreach (var group in groups)
        {
            var label = string.Join(", ", group.Select(c => $"#{c.Index}"));
            var (lx, ly) = Place(Px(X(group[0])), Py(Y(group[0])), label.Length * 6.2, placed);
            svg.Add(Text(lx, ly, label, "start"));
        }

        foreach (var c in points)
        {
            var colour = c.GoalsMet ? (c.Pareto ? "#1565c0" : "#64b5f6") : "#e57373";
            svg.Add(new XElement(Svg + "circle", new XAttribute("cx", F(Px(X(c)))), new XAttribute("cy", F(Py(Y(c)))), new XAttribute("r", 5), new XAttribute("fill", colour),
                new XElement(Svg + "title", $"#{c.Index} {c.Label}")));
            if (c.Index == r.Best)
            {
                svg.Add(new XElement(Svg + "circle", new XAttribute("cx", F(Px(X(c)))), new XAttribute("cy", F(Py(Y(c)))), new XAttribute("r", 9),
                    new XAttribute("fill", "none"), new XAttribute("stroke", "#2e7d32"), new XAttribute("stroke-width", 2)));
            }
        }

        return svg;
    }

    /// <summary>An axis from round ticks: a step of 1, 2 or 5 × 10^k giving 4 to 6 intervals that cover the values.</summary>
    internal static (double Min, double Max, double Step) Ticks(List<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        var (min, max) = finite.Count == 0 ? (0.0, 1.0) : (finite.Min(), finite.Max());
        // A margin so no point sits on the frame: 5% of the span, or of the value when all values are equal.
        var pad = max - min > Math.Max(Math.Abs(max), 1e-12) * 1e-9 ? (max - min) * 0.05 : Math.Max(Math.Abs(max) * 0.05, 1e-9);
        (min, max) = (min - pad, max + pad);

        var raw = (max - min) / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = StepMultiples.Select(m => m * magnitude).First(s => s >= raw);
        var lo = Math.Floor(min / step) * step;
        var hi = Math.Ceiling(max / step) * step;
        return (lo, hi, step);
    }

    private static string Tick(MetricColumn? column, double v)
    {
        if (column is null)
        {
            return MetricFormat.Significant(v);
        }

        var unit = MetricFormat.Unit(column);
        return unit switch
        {
            "bytes" => MetricFormat.Significant(Math.Round(v / 1e6, 9)),
            "%" => MetricFormat.Significant(Math.Round(v * 100, 9)),
            _ => MetricFormat.Significant(Math.Round(v, 12)),
        };
    }

    /// <summary>The first of eight spots around the point where a label of this width overlaps no label already placed.</summary>
    private static (double X, double Y) Place(double px, double py, double width, List<(double X0, double Y0, double X1, double Y1)> placed)
    {
        var spots = new (double Dx, double Dy)[] { (8, 4), (8, 16), (8, -8), (-8 - width, 4), (-width / 2, -10), (-width / 2, 20), (-8 - width, 16), (-8 - width, -8) };
        foreach (var extra in LabelShifts)
        {
            foreach (var (dx, dy) in spots)
            {
                var (x, y) = (px + dx, py + dy + (dy >= 0 ? extra : -extra));
                var box = (x, y - 11, x + width, y + 2);
                if (!placed.Any(b => box.x < b.X1 && b.X0 < box.Item3 && box.Item2 < b.Y1 && b.Y0 < box.Item4))
                {
                    placed.Add(box);
                    return (x, y);
                }
            }
        }

        placed.Add((px + 8, py - 7, px + 8 + width, py + 6));
        return (px + 8, py + 4);
    }

    private static void Legend(XElement svg, bool goals, bool input)
    {
        var y = H - 22;
        var x = Left;
        void Item(XElement mark, string text, double width)
        {
            svg.Add(mark, Text(x + 14, y + 4, text, "start"));
            x += width;
        }

        Item(Dot(x + 5, y, "#1565c0"), "meets goals, Pareto", 140);
        Item(Dot(x + 5, y, "#64b5f6"), "meets goals", 100);
        Item(Dot(x + 5, y, "#e57373"), "misses a goal", 110);
        Item(new XElement(Svg + "circle", new XAttribute("cx", F(x + 5)), new XAttribute("cy", F(y)), new XAttribute("r", 6), new XAttribute("fill", "none"),
            new XAttribute("stroke", "#2e7d32"), new XAttribute("stroke-width", 2)), "chosen", 75);
        if (input)
        {
            Item(new XElement(Svg + "polygon", new XAttribute("fill", "#888"), new XAttribute("points", $"{F(x + 5)},{F(y - 6)} {F(x + 11)},{F(y)} {F(x + 5)},{F(y + 6)} {F(x - 1)},{F(y)}")), "input model", 100);
        }

        if (goals)
        {
            Item(Line(x - 4, y, x + 10, y, "#c62828", dashed: true), "goal bound", 90);
        }
    }

    private static XElement Dot(double x, double y, string colour) =>
        new(Svg + "circle", new XAttribute("cx", F(x)), new XAttribute("cy", F(y)), new XAttribute("r", 5), new XAttribute("fill", colour));

    private static XElement Line(double x1, double y1, double x2, double y2, string colour, bool dashed = false) =>
        new(Svg + "line", new XAttribute("x1", F(x1)), new XAttribute("y1", F(y1)), new XAttribute("x2", F(x2)), new XAttribute("y2", F(y2)),
            new XAttribute("stroke", colour), dashed ? new XAttribute("stroke-dasharray", "5,4") : null);

    private static XElement Text(double x, double y, string text, string anchor) =>
        new(Svg + "text", new XAttribute("x", F(x)), new XAttribute("y", F(y)), new XAttribute("font-size", 11), new XAttribute("text-anchor", anchor), text);

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
