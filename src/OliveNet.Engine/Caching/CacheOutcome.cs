using OliveNet.Engine.Artifacts;

namespace OliveNet.Engine.Caching;

/// <summary>What the cache gave for one pass run.</summary>
/// <param name="Artifact">The output artifact; null when the run failed.</param>
/// <param name="Record">The entry's completion record.</param>
/// <param name="Hit">True when the entry was reused, false when the pass ran now.</param>
public sealed record CacheOutcome(ModelArtifact? Artifact, CacheRecord Record, bool Hit);
