using System.Text.Json;

namespace OliveNet.Runtime;

/// <summary>Kernel time of one operator type on one provider, averaged over the profiled runs.</summary>
/// <param name="OpType">The ONNX operator type as ORT ran it (after its graph optimizations: fused ops appear as such).</param>
/// <param name="Provider">The execution provider that ran it.</param>
/// <param name="Nodes">Distinct nodes of this type that ran.</param>
/// <param name="MicrosecondsPerRun">Summed kernel time per run.</param>
/// <param name="Share">Fraction of all kernel time per run.</param>
public sealed record OperatorTime(string OpType, string Provider, int Nodes, double MicrosecondsPerRun, double Share);

/// <summary>Kernel time of one node, averaged over the profiled runs.</summary>
public sealed record NodeTime(string Node, string OpType, double MicrosecondsPerRun, double Share);

/// <summary>
/// Where the time of an inference goes, per operator type and per node, read from ORT's own profiler (Chrome-trace
/// JSON: every kernel is a <c>cat: "Node"</c> event with <c>dur</c> in µs and <c>args.op_name</c>/<c>args.provider</c>;
/// every run is a <c>model_run</c> session event).
/// </summary>
/// <param name="Runs">Runs averaged (the first, which allocates, is left out).</param>
/// <param name="KernelMicrosecondsPerRun">Summed kernel time per run. With several threads kernels do not overlap (one
/// node runs at a time in sequential mode), so this is close to the run's wall time less ORT's own overhead.</param>
/// <param name="RunMicrosecondsPerRun">Mean wall time of the profiled runs (ORT's <c>model_run</c> events).</param>
/// <param name="ByOpType">Operator types, most time first.</param>
/// <param name="TopNodes">The nodes that took most time, most first (at most 15).</param>
/// <param name="NodesByProvider">Distinct nodes that ran on each provider.</param>
public sealed record OperatorProfile(
    int Runs,
    double KernelMicrosecondsPerRun,
    double RunMicrosecondsPerRun,
    IReadOnlyList<OperatorTime> ByOpType,
    IReadOnlyList<NodeTime> TopNodes,
    IReadOnlyDictionary<string, int> NodesByProvider)
{
    /// <summary>
    /// Runs <paramref name="inputs"/> 1 + <paramref name="runs"/> times through a profiled session made by
    /// <paramref name="configure"/> and sums ORT's kernel events of the last <paramref name="runs"/>.
    /// </summary>
    /// <exception cref="OrtException">ORT rejected the model, the inputs or the profile.</exception>
    public static OperatorProfile Measure(string modelPath, Action<SessionOptions> configure, IReadOnlyList<KeyValuePair<string, OrtValue>> inputs, int runs)
    {
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var folder = Directory.CreateTempSubdirectory("olivenet-profile-");
        try
        {
            using var options = new SessionOptions();
            configure(options);
            options.EnableProfiling(Path.Combine(folder.FullName, "run"));
            string profile;
            using (var session = new InferenceSession(modelPath, options))
            {
                for (var i = 0; i <= runs; i++)
                {
                    using (session.Run(inputs))
                    {
                    }
                }

                profile = session.EndProfiling();
            }

            return Read(profile, skipRuns: 1);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Aggregates an ORT profile, leaving out the kernels of its first <paramref name="skipRuns"/> runs.</summary>
    public static OperatorProfile Read(string profilePath, int skipRuns = 0)
    {
        using var stream = File.OpenRead(profilePath);
        using var document = JsonDocument.Parse(stream);
        var events = document.RootElement.EnumerateArray().ToList();
        var runs = events
            .Where(e => Str(e, "cat") == "Session" && Str(e, "name") == "model_run")
            .Select(e => (Start: e.GetProperty("ts").GetInt64(), Duration: e.GetProperty("dur").GetInt64()))
            .OrderBy(r => r.Start)
            .ToList();
        var kept = runs.Skip(skipRuns).ToList();
        var from = skipRuns > 0 && runs.Count > skipRuns ? kept[0].Start : long.MinValue;
        var count = Math.Max(kept.Count, 1);

        var byType = new Dictionary<(string Op, string Provider), (HashSet<string> Nodes, double Us)>();
        var byNode = new Dictionary<string, (string Op, double Us)>(StringComparer.Ordinal);
        var providers = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (Str(e, "cat") != "Node" || Str(e, "name") is not { } name || !e.TryGetProperty("args", out var args)
                || !name.EndsWith("_kernel_time", StringComparison.Ordinal))
            {
                continue;
            }

            var node = name[..^"_kernel_time".Length];
            var op = Str(args, "op_name") ?? "?";
            var provider = Str(args, "provider") ?? "unknown";
            if (!providers.TryGetValue(provider, out var placed))
            {
                providers[provider] = placed = new HashSet<string>(StringComparer.Ordinal);
            }

            placed.Add(node);
            if (e.GetProperty("ts").GetInt64() < from)
            {
                continue;
            }

            var us = e.GetProperty("dur").GetInt64();
            var key = (op, provider);
            var entry = byType.TryGetValue(key, out var t) ? t : (new HashSet<string>(StringComparer.Ordinal), 0);
            entry.Item1.Add(node);
            byType[key] = (entry.Item1, entry.Item2 + us);
            byNode[node] = (op, (byNode.TryGetValue(node, out var n) ? n.Us : 0) + us);
        }

        var total = byType.Values.Sum(v => v.Us) / count;
        var share = (double us) => total > 0 ? us / total : 0;
        return new OperatorProfile(
            kept.Count,
            total,
            kept.Count > 0 ? kept.Average(r => (double)r.Duration) : 0,
            byType.Select(kv => new OperatorTime(kv.Key.Op, kv.Key.Provider, kv.Value.Nodes.Count, kv.Value.Us / count, share(kv.Value.Us / count)))
                .OrderByDescending(o => o.MicrosecondsPerRun).ThenBy(o => o.OpType, StringComparer.Ordinal).ToList(),
            byNode.Select(kv => new NodeTime(kv.Key, kv.Value.Op, kv.Value.Us / count, share(kv.Value.Us / count)))
                .OrderByDescending(n => n.MicrosecondsPerRun).ThenBy(n => n.Node, StringComparer.Ordinal).Take(15).ToList(),
            new SortedDictionary<string, int>(providers.ToDictionary(kv => kv.Key, kv => kv.Value.Count, StringComparer.Ordinal), StringComparer.Ordinal));
    }

    private static string? Str(JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
