using OliveNet.Engine.Workflows;

namespace OliveNet.Cli.Output;

/// <summary>Prints what one shard of a search did.</summary>
internal static class ShardText
{
    public static void Write(TextWriter w, ShardSummary s, string recipePath)
    {
        w.WriteLine($"shard {s.Shard}: ran {s.Candidates.Count} of {s.Scheduled} candidate(s) into the cache {s.CacheRoot}; nothing published");
        if (s.InputEvaluated)
        {
            w.WriteLine("  input model evaluated (the baseline of relative goals)");
        }

        foreach (var c in s.Candidates)
        {
            var what = c.Error is null ? $"model {c.ArtifactId?[..12] ?? "-"}" : $"pruned: {c.Error}";
            w.WriteLine($"  candidate {c.Index,-3} {c.PassesRun} pass(es) run, {c.PassesReused} reused  {what}  ({c.Label})");
        }

        w.WriteLine($"took        {s.DurationMs / 1000:0.00} s");
        w.WriteLine($"gather      when every shard has finished: olivenet run {recipePath} (same --set options, no --shard)");
    }
}
