using OliveNet.Engine.Benchmarking;

namespace OliveNet.Cli.Output;

/// <summary>Formats a <see cref="BenchmarkReport"/> as plain text.</summary>
internal static class BenchText
{
    public static void Write(TextWriter w, BenchmarkReport r)
    {
        w.WriteLine($"model        {r.Model}");
        w.WriteLine($"runtime      ONNX Runtime {r.OnnxRuntimeVersion}, {r.ExecutionProvider}, threads {(r.Threads?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default")}, optimization {r.OptimizationLevel}");
        foreach (var input in r.Inputs)
        {
            w.WriteLine($"input        {input.Name} {input.Type}[{string.Join("x", input.Shape)}] ({input.Data})");
        }

        foreach (var note in r.Notes)
        {
            w.WriteLine($"note         {note}");
        }

        var s = r.LatencyMs;
        w.WriteLine($"session      created in {Units.Ms(r.SessionCreateMs)} ms");
        w.WriteLine($"runs         {r.Warmup} warm-up, {s.Count} timed");
        w.WriteLine($"placement    {string.Join(", ", r.NodesByProvider.Select(kv => $"{kv.Value} node(s) on {kv.Key}"))} (one profiled run)");
        w.WriteLine($"latency ms   mean {Units.Ms(s.Mean)}  p50 {Units.Ms(s.P50)}  p90 {Units.Ms(s.P90)}  p99 {Units.Ms(s.P99)}  min {Units.Ms(s.Min)}  max {Units.Ms(s.Max)}  sd {Units.Ms(s.StdDev)}");
    }
}
