using System.Globalization;

namespace OliveNet.Engine.Workflows;

/// <summary>
/// One worker's share of a search: of the candidates in proposal order, those whose position modulo <see cref="Count"/>
/// is <see cref="Index"/>. Round-robin, so neighbouring candidates—which share the longest pass prefixes and tend to cost
/// alike—go to different workers.
/// </summary>
/// <param name="Index">This worker's index, from 0.</param>
/// <param name="Count">How many workers share the search.</param>
public sealed record Shard(int Index, int Count)
{
    /// <summary>Whether the candidate at <paramref name="position"/> in proposal order is this shard's.</summary>
    public bool Owns(int position) => position % Count == Index;

    /// <summary>Parses <c>I/N</c>; null with <paramref name="error"/> saying what is wrong and what to write instead.</summary>
    public static Shard? Parse(string text, out string? error)
    {
        error = null;
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            error = $"--shard '{text}': expected I/N, this worker's index I (from 0) and the number of workers N, e.g. --shard 0/4";
            return null;
        }

        if (count < 1)
        {
            error = $"--shard {text}: the number of workers must be at least 1";
            return null;
        }

        if (index >= count)
        {
            error = $"--shard {text}: the index must be below the number of workers (0 to {count - 1}); shards count from 0, as Slurm's SLURM_ARRAY_TASK_ID and Kubernetes' JOB_COMPLETION_INDEX do";
            return null;
        }

        return new Shard(index, count);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}

/// <summary>A recipe that cannot be split into shards, or a shard that cannot run; the message says why and what to do.</summary>
public sealed class ShardException(string message) : Exception(message);

/// <summary>What one shard did: the candidates it ran into the shared cache. Nothing is published.</summary>
/// <param name="Shard">The shard.</param>
/// <param name="CacheRoot">The workflow's cache folder the results went to.</param>
/// <param name="Scheduled">Candidates in the whole schedule, over every shard.</param>
/// <param name="Candidates">This shard's candidates.</param>
/// <param name="InputEvaluated">Whether this shard evaluated the input model (shard 0 does when the goals need it).</param>
/// <param name="DurationMs">Wall time.</param>
public sealed record ShardSummary(Shard Shard, string CacheRoot, int Scheduled, IReadOnlyList<ShardCandidate> Candidates, bool InputEvaluated, double DurationMs);

/// <summary>One candidate a shard ran.</summary>
/// <param name="Index">Its index in proposal order: the same index the gathering run and its reports give it.</param>
/// <param name="Label">Its choices.</param>
/// <param name="PassesRun">Pass runs this worker executed.</param>
/// <param name="PassesReused">Pass runs found complete in the cache (run earlier, or by another worker).</param>
/// <param name="ArtifactId">The final model's id; null when it failed.</param>
/// <param name="Error">Why it was pruned; null when it ran. A pruned candidate is pruned in the gathering run too.</param>
public sealed record ShardCandidate(int Index, string Label, int PassesRun, int PassesReused, string? ArtifactId, string? Error);
