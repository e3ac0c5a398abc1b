using System.Globalization;
using System.Xml.Linq;

namespace OliveNet.Engine.Reports;

/// <summary>
/// junit.xml: one test case per goal, judged on the best candidate (a failure when missed), plus one per pruned search
/// candidate as an error, so build servers show gate failures natively. A run without goals has one passing case.
/// </summary>
internal static class JunitReport
{
    public static string Render(RunReport r)
    {
        var best = ReportFormat.Best(r);
        var cases = new List<XElement>();
        foreach (var g in r.Goals)
        {
            var value = ReportFormat.Value(best?.Metrics, g.Key);
            var met = best?.Verdicts.GetValueOrDefault(g.Key) ?? false;
            var testcase = new XElement("testcase", new XAttribute("classname", $"olivenet.{r.WorkflowId}.goals"), new XAttribute("name", $"{g.Key} {g.Text}"), new XAttribute("time", "0"));
            if (!met)
            {
                testcase.Add(new XElement("failure",
                    new XAttribute("type", "GoalNotMet"),
                    new XAttribute("message", $"{g.Key} = {ReportFormat.Number(value)}, goal {g.Text}"),
                    best is null ? "no candidate was evaluated" : $"best candidate #{best.Index} ({best.Label}): {g.Key} = {ReportFormat.Number(value)}; bound {ReportFormat.Number(g.Bound)}"));
            }

            cases.Add(testcase);
        }

        foreach (var c in r.Candidates.Where(c => c.Error is not null))
        {
            cases.Add(new XElement("testcase", new XAttribute("classname", $"olivenet.{r.WorkflowId}.candidates"), new XAttribute("name", $"#{c.Index} {c.Label}"),
                new XAttribute("time", c.Seconds.ToString("0.###", CultureInfo.InvariantCulture)),
                new XElement("error", new XAttribute("type", "CandidatePruned"), new XAttribute("message", c.Error!))));
        }

        if (cases.Count == 0)
        {
            cases.Add(new XElement("testcase", new XAttribute("classname", $"olivenet.{r.WorkflowId}"), new XAttribute("name", "run"), new XAttribute("time", "0")));
        }

        var failures = cases.Count(c => c.Element("failure") is not null);
        var errors = cases.Count(c => c.Element("error") is not null);
        var time = (r.DurationMs / 1000).ToString("0.###", CultureInfo.InvariantCulture);
        var suite = new XElement("testsuite",
            new XAttribute("name", $"olivenet.{r.WorkflowId}"), new XAttribute("tests", cases.Count), new XAttribute("failures", failures),
            new XAttribute("errors", errors), new XAttribute("skipped", 0), new XAttribute("time", time), cases);
        var root = new XElement("testsuites", new XAttribute("name", "olivenet"), new XAttribute("tests", cases.Count),
            new XAttribute("failures", failures), new XAttribute("errors", errors), new XAttribute("time", time), suite);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root).Declaration + "\n" + root + "\n";
    }
}
