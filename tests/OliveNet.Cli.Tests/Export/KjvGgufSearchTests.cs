using System.Text.Json;

namespace OliveNet.Cli.Tests.Export;

/// <summary>
/// pipelines/kjv-llama-gguf-vs-onnx.yaml end to end: one search over a ModelBuilder int4 export (ONNX Runtime) and
/// GgufExport Q4_K_M/Q4_0 files (llama.cpp through LLamaSharp), every candidate scored under the same metric names, the
/// winner published with its files in the manifest.
/// </summary>
public sealed class KjvGgufSearchTests : IDisposable
{
    private static readonly string Root = HfCheckpointRunTests.RepoRoot();
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void One_search_scores_onnx_and_gguf_candidates_under_the_same_metrics()
    {
        var recipe = File.ReadAllText(Path.Combine(Root, "pipelines", "kjv-llama-gguf-vs-onnx.yaml")).Replace("../tests/", $"{Root}/tests/", StringComparison.Ordinal);
        var path = _dir.File("recipe.yaml", recipe);
        var output = Path.Combine(_dir.Path, "out");
        var (exit, stdout, stderr) = CliRunner.Run("run", path, "--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={output}");

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        var candidates = metrics.RootElement.GetProperty("candidates").EnumerateArray().ToList();
        Assert.True(candidates.Count == 3, $"exit {exit}: {stdout}\n{stderr}");
        var bytes = File.ReadAllBytes(Path.Combine(Root, "tests", "fixtures", "llm", "kjv-llama", "heldout.txt"))[..4096];
        var unigram = Math.Exp(-bytes.GroupBy(b => b).Sum(g => (double)g.Count() / bytes.Length * Math.Log((double)g.Count() / bytes.Length)));
        var perplexity = new Dictionary<string, double>();
        foreach (var candidate in candidates)
        {
            var label = candidate.GetProperty("label").GetString()!;
            var m = candidate.GetProperty("metrics");
            perplexity[label] = m.GetProperty("heldout-perplexity").GetDouble();
            Assert.True(perplexity[label] > 1 && perplexity[label] < unigram / 2, $"{label}: perplexity {perplexity[label]} (unigram {unigram:F2})");
            Assert.True(m.GetProperty("generation-decode_tokens_per_second").GetDouble() > 0, label);
            Assert.True(m.GetProperty("generation-time_to_first_token").GetDouble() > 0, label);
            Assert.True(m.GetProperty("size-bytes").GetDouble() > 100_000, label);
        }

        // The same quantization family measured by two runtimes agrees: ONNX int4 (RTN, block 32) and GGUF Q4_0 (absmax
        // to −8, block 32) are both 4-bit on 32-blocks, so their perplexities differ by a fraction of a percent, not more.
        var onnx = perplexity.Single(p => p.Key.Contains("ModelBuilder", StringComparison.Ordinal)).Value;
        var q40 = perplexity.Single(p => p.Key.Contains("Q4_0", StringComparison.Ordinal)).Value;
        Assert.True(Math.Abs(onnx - q40) < 0.02 * onnx, $"ONNX int4 {onnx:F4} vs GGUF Q4_0 {q40:F4}");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var best = candidates[metrics.RootElement.GetProperty("best").GetInt32()];
        var smallest = candidates.Min(c => c.GetProperty("metrics").GetProperty("size-bytes").GetDouble());
        Assert.Equal(smallest, best.GetProperty("metrics").GetProperty("size-bytes").GetDouble());
        if (best.GetProperty("label").GetString()!.Contains("GgufExport", StringComparison.Ordinal))
        {
            Assert.True(File.Exists(Path.Combine(output, "model.gguf")));
            Assert.True(File.Exists(Path.Combine(output, "Modelfile")));
            var manifest = File.ReadAllText(Path.Combine(output, "manifest.json"));
            Assert.Contains("model.gguf", manifest, StringComparison.Ordinal);
            Assert.Contains("Modelfile", manifest, StringComparison.Ordinal);
        }
    }
}
