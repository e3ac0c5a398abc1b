using System.Xml;
using System.Xml.Linq;

namespace OliveNet.Cli.Tests.Reports;

/// <summary>
/// Runs with an evaluator on a real model through the CLI: a gate that must fail (exit 3, no model published), a run that
/// passes, and the report files both write, checked as a build server and a browser would read them.
/// </summary>
public sealed class ReportFilesTests : IDisposable
{
    private static readonly XNamespace Html = "http://www.w3.org/1999/xhtml";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly TempDir _dir = new();

    public ReportFilesTests()
    {
        File.Copy("/usr/share/libonnx-testdata/data/node/test_relu/model.onnx", Path.Combine(_dir.Path, "relu.onnx"));
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// The peephole pass keeps Relu's outputs exactly, so fidelity is perfect; the size goal decides the verdict:
    /// a threshold of 1 byte cannot be met, a threshold of 1 MB is.
    /// </summary>
    private string Recipe(long sizeBound, string name) => _dir.File($"{name}.yaml", $$$"""
        workflow_id: {{{name}}}
        input_model: {type: ONNXModel, model_path: relu.onnx}
        data_configs:
          - name: random
            load_dataset_config: {type: dummy_dataset, params: {max_samples: 2}}
        evaluators:
          e:
            metrics:
              - name: size
                type: size_on_disk
                sub_types: [{name: bytes, priority: 1, goal: {type: threshold, value: {{{sizeBound}}}}}]
              - name: fidelity
                type: fidelity
                data_config: random
                sub_types: [{name: cosine, priority: 2, goal: {type: threshold, value: 0.999}}, {name: max_abs}]
              - name: latency
                type: latency
                data_config: random
                user_config: {warmup_num: 1, repeat_test_num: 5}
                sub_types: [{name: avg}, {name: p90}]
              - name: throughput
                type: throughput
                data_config: random
                user_config: {warmup_num: 1, repeat_test_num: 5}
                sub_types: [{name: p50}]
              - name: memory
                type: memory
                data_config: random
                sub_types: [{name: peak_rss}]
        evaluator: e
        passes:
          cleanup: {type: OnnxPeepholeOptimizer}
        cache_dir: cache
        output_dir: out-{{{name}}}
        """);

    [Fact]
    public void A_missed_goal_exits_3_publishes_no_model_and_junit_reports_the_failure()
    {
        var (exit, stdout, stderr) = CliRunner.Run("run", Recipe(1, "gated"));

        Assert.True(exit == 3, $"exit {exit}: {stderr}");
        Assert.Contains("NOT published", stdout, StringComparison.Ordinal);
        var output = Path.Combine(_dir.Path, "out-gated");
        Assert.False(File.Exists(Path.Combine(output, "model.onnx")));
        Assert.False(File.Exists(Path.Combine(output, "manifest.json")));

        var junit = Path.Combine(output, "junit.xml");
        Assert.Empty(JunitSchema.Validate(junit));
        var suite = XDocument.Load(junit).Root!.Element("testsuite")!;
        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(2, cases.Count);
        Assert.Equal("1", suite.Attribute("failures")!.Value);
        Assert.NotNull(cases.Single(c => c.Attribute("name")!.Value.StartsWith("size-bytes", StringComparison.Ordinal)).Element("failure"));
        Assert.Null(cases.Single(c => c.Attribute("name")!.Value.StartsWith("fidelity-cosine", StringComparison.Ordinal)).Element("failure"));
        Assert.Contains("goals not met", File.ReadAllText(Path.Combine(output, "summary.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_met_goal_publishes_with_reports_that_parse_and_report_re_renders_them()
    {
        var (exit, _, stderr) = CliRunner.Run("run", Recipe(1_000_000, "passing"));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var output = Path.Combine(_dir.Path, "out-passing");
        Assert.True(File.Exists(Path.Combine(output, "model.onnx")));
        Assert.Equal(0, CliRunner.Run("verify", output).Exit);

        // report.html is XHTML: a strict XML parser reads all of it (the doctype is skipped, not resolved).
        var html = Parse(Path.Combine(output, "report.html"));
        Assert.Equal(Html + "html", html.Root!.Name);
        Assert.DoesNotContain(html.Descendants(), e => e.Name.LocalName is "script" or "link" or "img");
        // One candidate: nothing to compare on a chart, so there is none.
        Assert.Empty(html.Descendants(Svg + "svg"));
        var table = html.Descendants(Html + "table").Last();
        Assert.Contains(table.Descendants(Html + "th"), th => th.Value.StartsWith("fidelity-cosine", StringComparison.Ordinal));
        Assert.Contains(html.Descendants(Html + "details"), d => d.Value.Contains("OnnxPeepholeOptimizer", StringComparison.Ordinal));
        Assert.Empty(JunitSchema.Validate(Path.Combine(output, "junit.xml")));
        Assert.Contains("| fidelity-cosine | 1 | 1 |", File.ReadAllText(Path.Combine(output, "README.md")), StringComparison.Ordinal);
        using (var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json"))))
        {
            var values = metrics.RootElement.GetProperty("candidates")[0].GetProperty("metrics");
            // Latency and throughput come from the same kind of timed runs: rows per second = 1000 / ms for batch 1, so
            // both must be positive; memory is a growth in bytes, never negative.
            Assert.True(values.GetProperty("latency-avg").GetDouble() > 0);
            Assert.True(values.GetProperty("throughput-p50").GetDouble() > 0);
            Assert.True(values.GetProperty("memory-peak_rss").GetDouble() >= 0);
        }

        // Re-rendering from metrics.json with a custom model card template.
        File.Delete(Path.Combine(output, "report.html"));
        var template = _dir.File("card.hbs", "# {{workflow_id}} card\n{{#each metrics}}{{key}}={{value}}\n{{/each}}");
        var (again, stdout, err) = CliRunner.Run("report", output, "--model-card-template", template);
        Assert.True(again == 0, err);
        Assert.Contains("report.html", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "report.html")));
        Assert.StartsWith("# passing card\nsize-bytes=", File.ReadAllText(Path.Combine(output, "README.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void Report_on_a_folder_without_metrics_is_an_argument_error()
    {
        var (exit, _, stderr) = CliRunner.Run("report", _dir.Path);

        Assert.Equal(2, exit);
        Assert.Contains("metrics.json does not exist", stderr, StringComparison.Ordinal);
    }

    private static XDocument Parse(string path)
    {
        using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }
}
