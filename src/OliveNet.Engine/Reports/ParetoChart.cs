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
    private const double W = 640, H = 360, Left = 70, Right = 20, Top = 20, Bottom = 50;

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

        var (x0, x1) = Range(xs);
        var (y0, y1) = Range(ys);
        double Px(double v) => Left + ((v - x0) / (x1 - x0) * (W - Left - Right));
        double Py(double v) => H - Bottom - ((v - y0) / (y1 - y0) * (H - Top - Bottom));

        svg.Add(Line(Left, H - Bottom, W - Right, H - Bottom, "#444"), Line(Left, Top, Left, H - Bottom, "#444"));
        for (var i = 0; i <= 4; i++)
        {
            var xv = x0 + ((x1 - x0) * i / 4);
            var yv = y0 + ((y1 - y0) * i / 4);
            svg.Add(Text(Px(xv), H - Bottom + 16, ReportFormat.Number(xv), "middle"), Text(Left - 6, Py(yv) + 4, ReportFormat.Number(yv), "end"));
        }

        svg.Add(Text((Left + W - Right) / 2, H - 10, xKey is null ? "candidate #" : $"{xKey.Key} ({(xKey.HigherIsBetter ? "higher" : "lower")} is better)", "middle"));
        svg.Add(new XElement(Svg + "text", new XAttribute("x", 14), new XAttribute("y", (Top + H - Bottom) / 2), new XAttribute("font-size", 12),
            new XAttribute("text-anchor", "middle"), new XAttribute("transform", $"rotate(-90 14 {F((Top + H - Bottom) / 2)})"),
            $"{yKey.Key} ({(yKey.HigherIsBetter ? "higher" : "lower")} is better)"));
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

        foreach (var c in points)
        {
            var colour = c.GoalsMet ? (c.Pareto ? "#1565c0" : "#64b5f6") : "#e57373";
            svg.Add(new XElement(Svg + "circle", new XAttribute("cx", F(Px(X(c)))), new XAttribute("cy", F(Py(Y(c)))), new XAttribute("r", 5), new XAttribute("fill", colour),
                new XElement(Svg + "title", $"#{c.Index} {c.Label}")));
            svg.Add(Text(Px(X(c)) + 7, Py(Y(c)) + 12, $"#{c.Index}", "start"));
            if (c.Index == r.Best)
            {
                svg.Add(new XElement(Svg + "circle", new XAttribute("cx", F(Px(X(c)))), new XAttribute("cy", F(Py(Y(c)))), new XAttribute("r", 9),
                    new XAttribute("fill", "none"), new XAttribute("stroke", "#2e7d32"), new XAttribute("stroke-width", 2)));
            }
        }

        return svg;
    }

    private static (double Min, double Max) Range(List<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        var (min, max) = finite.Count == 0 ? (0.0, 1.0) : (finite.Min(), finite.Max());
        var pad = max > min ? (max - min) * 0.08 : Math.Max(Math.Abs(max) * 0.05, 0.5);
        return (min - pad, max + pad);
    }

    private static XElement Line(double x1, double y1, double x2, double y2, string colour, bool dashed = false) =>
        new(Svg + "line", new XAttribute("x1", F(x1)), new XAttribute("y1", F(y1)), new XAttribute("x2", F(x2)), new XAttribute("y2", F(y2)),
            new XAttribute("stroke", colour), dashed ? new XAttribute("stroke-dasharray", "5,4") : null);

    private static XElement Text(double x, double y, string text, string anchor) =>
        new(Svg + "text", new XAttribute("x", F(x)), new XAttribute("y", F(y)), new XAttribute("font-size", 11), new XAttribute("text-anchor", anchor), text);

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
