namespace OliveNet.Engine.Workflows;

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
