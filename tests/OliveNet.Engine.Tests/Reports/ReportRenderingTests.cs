using System.Globalization;
using System.Xml.Linq;
using OliveNet.Engine.Reports;

namespace OliveNet.Engine.Tests.Reports;

/// <summary>The report files rendered from values: units, human numbers, better/worse marks and a readable chart.</summary>
public sealed class ReportRenderingTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-report-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static readonly MetricColumn Exact = new("accuracy-exact_match", "accuracy", true, 1);
    private static readonly MetricColumn P50 = new("latency-p50", "latency", false, 2);
    private static readonly MetricColumn Avg = new("latency-avg", "latency", false, -1);
    private static readonly MetricColumn Size = new("size-bytes", "size_on_disk", false, -1);

    private static CandidateRow Candidate(int index, double exact, double p50, double avg, double bytes) => new()
    {
        Index = index,
        Label = $"quantize=variant{index}",
        Metrics = new Dictionary<string, double> { [Exact.Key] = exact, [P50.Key] = p50, [Avg.Key] = avg, [Size.Key] = bytes },
        Verdicts = new Dictionary<string, bool> { [Exact.Key] = true, [P50.Key] = true },
        GoalsMet = true,
        Pareto = true,
    };

    private static RunReport Report(params CandidateRow[] candidates) => new()
    {
        WorkflowId = "w",
        Recipe = "r.yaml",
        InputModel = "m.onnx",
        InputArtifactId = new string('a', 64),
        Target = "cpu/CPUExecutionProvider",
        Outcome = "published",
        Metrics = [Exact, P50, Avg, Size],
        Goals = [new GoalRow(P50.Key, "percent-max-degradation", 80, 18, false, 2, 10, "≤ 18")],
        Baseline = new Dictionary<string, double> { [Exact.Key] = 0.975, [P50.Key] = 10, [Avg.Key] = 10, [Size.Key] = 10_822_000 },
        Candidates = candidates,
        Best = candidates.Length > 0 ? candidates[0].Index : null,
    };

    [Fact]
    public void Values_carry_units_in_plain_numbers_and_every_change_is_marked_better_or_worse_goal_or_not()
    {
        Assert.Equal("10.8 MB", MetricFormat.Value(Size, 10_822_000));
        Assert.Equal("0.394 %", MetricFormat.Value(new MetricColumn("accuracy-cer", "accuracy", false, -1), 0.0039448));
        Assert.Equal("29.2 ms", MetricFormat.Value(P50, 29.194));
        Assert.Equal("12.5 tokens/s", MetricFormat.Value(new MetricColumn("gen-decode_tokens_per_second", "generation_latency", true, -1), 12.49));
        Assert.Equal("41.4 × real time", MetricFormat.Value(new MetricColumn("speech-rtfx", "accuracy", true, 2), 41.36));
        Assert.Equal("+50 % (better)", MetricFormat.Change(new MetricColumn("speech-rtfx", "accuracy", true, 2), 20, 30));
        Assert.Equal("12.5 %", MetricFormat.Value(new MetricColumn("speech-wer", "accuracy", false, 1), 0.125));
        // latency-avg has no goal: 70 % slower is still worse.
        Assert.Equal("+70 % (worse)", MetricFormat.Change(Avg, 10, 17));
        Assert.Equal("−1 pts (worse)", MetricFormat.Change(Exact, 0.975, 0.965));
        Assert.Equal("−6.51 % (better)", MetricFormat.Change(Size, 10_822_000, 10_117_950));
        Assert.Equal("+3 % (within noise)", MetricFormat.Change(P50, 10, 10.3, 0.5));

        ReportWriter.Write(_dir.FullName, Report(Candidate(0, 0.975, 17, 17, 7_700_000), Candidate(1, 0.95, 9, 9, 10_100_000)), null);
        var summary = File.ReadAllText(Path.Combine(_dir.FullName, "summary.md"));
        var card = File.ReadAllText(Path.Combine(_dir.FullName, "README.md"));

        Assert.Contains("17 ms (+70 % (worse))", summary, StringComparison.Ordinal);
        Assert.Contains("7.7 MB (−28.8 % (better))", summary, StringComparison.Ordinal);
        Assert.Contains("| size-bytes | 10.8 MB | 7.7 MB | −28.8 % (better) |", card, StringComparison.Ordinal);
        Assert.DoesNotContain("e+", summary + card, StringComparison.Ordinal);
    }

    [Fact]
    public void The_chart_has_round_ticks_a_goal_legend_and_labels_that_do_not_overlap_even_for_coinciding_points()
    {
        // #1 and #2 sit on the same spot; #3 a hair away.
        ReportWriter.Write(_dir.FullName, Report(
            Candidate(0, 0.975, 12.3, 12, 1), Candidate(1, 0.975, 9.1, 9, 1), Candidate(2, 0.975, 9.1, 9, 1), Candidate(3, 0.974, 9.15, 9, 1)), null);
        var svg = XDocument.Load(Path.Combine(_dir.FullName, "report.html"), LoadOptions.None).Descendants(Svg + "svg").Single();
        var texts = svg.Descendants(Svg + "text").ToList();

        Assert.Contains(texts, t => t.Value == "goal bound");
        var labels = texts.Where(t => t.Value.StartsWith('#')).ToList();
        Assert.Contains(labels, t => t.Value == "#1, #2");
        var boxes = labels.Select(t => (X: D(t, "x"), Y: D(t, "y"), W: t.Value.Length * 6.2)).ToList();
        for (var i = 0; i < boxes.Count; i++)
        {
            for (var j = i + 1; j < boxes.Count; j++)
            {
                var (a, b) = (boxes[i], boxes[j]);
                var overlap = a.X < b.X + b.W && b.X < a.X + a.W && Math.Abs(a.Y - b.Y) < 13;
                Assert.False(overlap, $"labels {labels[i].Value} and {labels[j].Value} overlap");
            }
        }

        // Tick labels on the x axis (latency, ms): evenly spaced round values, each a multiple of a 1/2/5 × 10^k step.
        var ticks = texts.Where(t => t.Attribute("text-anchor")?.Value == "middle" && double.TryParse(t.Value, CultureInfo.InvariantCulture, out _))
            .Select(t => double.Parse(t.Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(ticks.Count >= 3);
        var step = ticks[1] - ticks[0];
        var mantissa = step / Math.Pow(10, Math.Floor(Math.Log10(step)));
        Assert.Contains(Math.Round(mantissa, 9), new[] { 1.0, 2.0, 5.0 });
        Assert.All(ticks, t => Assert.Equal(0, Math.Abs(Math.IEEERemainder(t, step)), 9));
    }

    [Fact]
    public void One_candidate_or_none_gets_no_chart()
    {
        ReportWriter.Write(_dir.FullName, Report(Candidate(0, 0.975, 9, 9, 1)), null);
        Assert.Empty(XDocument.Load(Path.Combine(_dir.FullName, "report.html")).Descendants(Svg + "svg"));

        ReportWriter.Write(_dir.FullName, Report(), null);
        Assert.Empty(XDocument.Load(Path.Combine(_dir.FullName, "report.html")).Descendants(Svg + "svg"));
    }

    private static double D(XElement e, string attribute) => double.Parse(e.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);
}
