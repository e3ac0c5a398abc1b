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
        if (r.Profile is { } p)
        {
            WriteProfile(w, p);
        }
    }

    private static void WriteProfile(TextWriter w, OliveNet.Runtime.OperatorProfile p)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        w.WriteLine();
        w.WriteLine($"profile      {p.Runs} run(s): kernels {Units.Ms(p.KernelMicrosecondsPerRun / 1000)} ms of {Units.Ms(p.RunMicrosecondsPerRun / 1000)} ms per run (ORT's profiler)");
        w.WriteLine($"  {"operator",-34} {"nodes",5} {"ms/run",9} {"share",7}");
        foreach (var o in p.ByOpType)
        {
            var op = o.Provider == "CPUExecutionProvider" ? o.OpType : $"{o.OpType} ({o.Provider})";
            w.WriteLine($"  {op,-34} {o.Nodes,5} {(o.MicrosecondsPerRun / 1000).ToString("0.000", c),9} {(o.Share * 100).ToString("0.0", c),6}%");
        }

        w.WriteLine($"  slowest nodes:");
        foreach (var n in p.TopNodes)
        {
            w.WriteLine($"  {n.Node + " (" + n.OpType + ")",-40} {(n.MicrosecondsPerRun / 1000).ToString("0.000", c),9} {(n.Share * 100).ToString("0.0", c),6}%");
        }
    }
}
