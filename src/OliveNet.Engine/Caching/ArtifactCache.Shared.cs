using System.Text.Json;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Caching.Shared;

namespace OliveNet.Engine.Caching;

/// <summary>The shared level: fetching entries other machines finished, and sharing ours.</summary>
public sealed partial class ArtifactCache
{
    /// <summary>
    /// Opens a workflow's cache from a recipe's <c>cache_dir</c>: the local folder, and the shared container behind it when
    /// one is named. The one place the engine builds its cache.
    /// </summary>
    /// <param name="cacheDir">The local cache root.</param>
    /// <param name="sharedCache">The shared container, or null.</param>
    /// <param name="workflowId">The workflow.</param>
    /// <param name="log">Receives lines about shared entries (fetched, adopted, damaged).</param>
    /// <exception cref="SharedCacheException">The credentials in the environment are malformed.</exception>
    public static ArtifactCache Open(string cacheDir, SharedCacheLocation? sharedCache, string workflowId, TextWriter log) =>
        new(Path.Combine(cacheDir, workflowId), sharedCache is null ? null : SharedCache.Open(sharedCache, workflowId, log));

    /// <summary>The shared entry for <paramref name="key"/>, downloaded and verified into the local level; null when there is none usable.</summary>
    private CacheOutcome? FromShared(string key, TextWriter log)
    {
        if (Shared!.ReadRecord(key) is not { ArtifactId: { } } remote)
        {
            return null;
        }

        var artifact = Fetch(key, remote);
        if (artifact is null)
        {
            return null;
        }

        log.WriteLine($"cache entry {key[..12]} fetched from the shared cache {Shared.Location}");
        return new CacheOutcome(artifact, remote, Hit: true);
    }

    /// <summary>
    /// Shares a finished run. When another machine committed the key first with different bytes (a pass whose output
    /// is not bit-exact), its entry replaces ours locally, so every machine continues from the same artifact.
    /// </summary>
    private CacheOutcome Share(CacheOutcome ours, TextWriter log)
    {
        var key = ours.Record.Key;
        var (shared, won) = Shared!.Publish(ours.Record, Path.Combine(Runs, key, ArtifactFolder));
        if (won || shared.ArtifactId == ours.Record.ArtifactId)
        {
            return ours with { Record = shared };
        }

        if (Fetch(key, shared) is { } theirs)
        {
            log.WriteLine($"cache entry {key[..12]}: another machine shared it first with different bytes; using its result");
            return new CacheOutcome(theirs, shared, Hit: false);
        }

        return ours;
    }

    /// <summary>Shares a local hit the shared level lacks (say, finished while the service was down).</summary>
    private CacheOutcome ShareIfMissing(CacheOutcome hit, TextWriter log) =>
        Shared!.ReadRecord(hit.Record.Key) is null ? Share(hit, log) with { Hit = true } : hit;

    /// <summary>Downloads a shared entry into a temp folder, verifies it and renames it into place; null when it does not verify.</summary>
    private ModelArtifact? Fetch(string key, CacheRecord record)
    {
        var temp = Path.Combine(Runs, $".tmp-{key}-{Guid.NewGuid():N}");
        var artifactFolder = Path.Combine(temp, ArtifactFolder);
        Directory.CreateDirectory(artifactFolder);
        try
        {
            if (!Shared!.TryDownload(record.ArtifactId!, artifactFolder))
            {
                Directory.Delete(temp, recursive: true);
                return null;
            }

            WriteDurably(Path.Combine(temp, RecordFile), JsonSerializer.Serialize(record, Json));
            Replace(key, temp);
            return new ModelArtifact(Path.Combine(Runs, key, ArtifactFolder, ModelArtifact.ModelFileName), record.ArtifactId!);
        }
        catch
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }

            throw;
        }
    }
}
