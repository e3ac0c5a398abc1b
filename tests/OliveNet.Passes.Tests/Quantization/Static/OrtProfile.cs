using System.Text.Json;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Quantization.Static;

/// <summary>Where a model's run time goes: ORT's own profiler (SessionOptions.EnableProfiling), kernel time per op type.</summary>
internal static class OrtProfile
{
    /// <summary>Mean kernel milliseconds per run by op type over <paramref name="runs"/> single-thread runs at level All.</summary>
    public static IReadOnlyDictionary<string, double> ByOpType(string modelPath, string input, float[] x, long[] shape, int runs, string folder)
    {
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.All, IntraOpThreads = 1, InterOpThreads = 1 };
        options.EnableProfiling(Path.Combine(folder, "profile"));
        string file;
        using (var session = new InferenceSession(modelPath, options))
        {
            using var value = OrtValue.CreateTensor<float>(x.ToArray(), shape);
            for (var i = 0; i < runs; i++)
            {
                using (session.Run([KeyValuePair.Create(input, value)]))
                {
                }
            }

            file = session.EndProfiling();
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var byOp = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() == "Node" && e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal) &&
                e.TryGetProperty("args", out var args) && args.TryGetProperty("op_name", out var op))
            {
                var name = op.GetString()!;
                byOp[name] = byOp.GetValueOrDefault(name) + (e.GetProperty("dur").GetInt64() / 1000.0 / runs);
            }
        }

        return byOp;
    }

    /// <summary>"total X ms: Op a, Op b, …" sorted by time, for a test's output.</summary>
    public static string Describe(IReadOnlyDictionary<string, double> byOp) =>
        $"kernel total {byOp.Values.Sum():F2} ms/run: " + string.Join(", ", byOp.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value:F2}"));
}
