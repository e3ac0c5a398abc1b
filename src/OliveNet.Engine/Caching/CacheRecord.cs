using System.Text.Json.Nodes;

namespace OliveNet.Engine.Caching;

/// <summary>
/// The completion record of one pass run, written last into its cache entry: an entry without it is ignored.
/// Failed runs are recorded too, with their error, and retried by the next run unless asked not to.
/// </summary>
public sealed record CacheRecord
{
    /// <summary>The cache key (SHA-256 hex) the entry is stored under.</summary>
    public required string Key { get; init; }

    /// <summary><c>ok</c> or <c>failed</c>.</summary>
    public required string Status { get; init; }

    /// <summary>The pass type name.</summary>
    public required string Pass { get; init; }

    /// <summary>The pass version.</summary>
    public required int PassVersion { get; init; }

    /// <summary>The canonical options.</summary>
    public required JsonNode? Options { get; init; }

    /// <summary>The input artifact's id.</summary>
    public required string ParentId { get; init; }

    /// <summary>The target, for target-specific passes; null otherwise.</summary>
    public string? Target { get; init; }

    /// <summary>The output artifact's id; null when the run failed.</summary>
    public string? ArtifactId { get; init; }

    /// <summary>What went wrong; null when the run succeeded.</summary>
    public string? Error { get; init; }

    /// <summary>Wall time of the pass run.</summary>
    public required double DurationMs { get; init; }

    /// <summary>When the run finished (UTC, ISO 8601).</summary>
    public required string FinishedUtc { get; init; }

    /// <summary>OliveNet version that wrote the entry.</summary>
    public required string OliveNetVersion { get; init; }

    /// <summary>ONNX Runtime version that was loaded.</summary>
    public required string OnnxRuntimeVersion { get; init; }

    /// <summary>Whether the run succeeded.</summary>
    public bool Succeeded => Status == "ok";
}
