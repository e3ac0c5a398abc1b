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
