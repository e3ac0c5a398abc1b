namespace OliveNet.Engine.Workflows;

/// <summary>A recipe that cannot be split into shards, or a shard that cannot run; the message says why and what to do.</summary>
public sealed class ShardException(string message) : Exception(message);
