using Azure.Storage.Blobs.Models;

namespace OliveNet.Engine.Caching.Shared;

/// <summary>What <c>olivenet cache list|verify|prune|clear</c> do with the shared level.</summary>
public sealed partial class SharedCache : IWorkflowCache
{
    /// <summary>
    /// How old an artifact without a record must be before <see cref="RemoveIncomplete"/> deletes it: younger ones may be
    /// another machine's upload in progress, whose record is not committed yet.
    /// </summary>
    public TimeSpan MinOrphanAge { get; init; } = TimeSpan.FromHours(1);

    /// <inheritdoc/>
    string IWorkflowCache.Location => Location.ToString();

    /// <summary>The workflows that have a shared level in the container.</summary>
    /// <param name="location">The container.</param>
    /// <param name="log">Receives lines about damaged entries.</param>
    /// <param name="minOrphanAge">The <see cref="MinOrphanAge"/> of each.</param>
    /// <param name="environment">Where credentials are looked up; default: the process environment.</param>
    /// <exception cref="SharedCacheException">The service cannot be reached or the credentials are malformed.</exception>
    public static IReadOnlyList<SharedCache> Workflows(SharedCacheLocation location, TextWriter log, TimeSpan minOrphanAge, Func<string, string?>? environment = null)
    {
        var probe = Open(location, string.Empty, log, environment);
        var names = SharedCacheErrors.Call(location, probe._secrets, "list the workflows", () => probe._container
            .GetBlobsByHierarchy(BlobTraits.None, BlobStates.None, "/", null, default)
            .Where(item => item.IsPrefix)
            .Select(item => item.Prefix.TrimEnd('/'))
            .Order(StringComparer.Ordinal)
            .ToList());
        return [.. names.Select(n => new SharedCache(location, n, probe._container, probe._secrets, log) { MinOrphanAge = minOrphanAge })];
    }

    /// <inheritdoc/>
    public IReadOnlyList<CacheRecord> List() =>
        [.. RecordKeys().Select(ReadRecord).OfType<CacheRecord>().OrderBy(r => r.FinishedUtc, StringComparer.Ordinal)];

    /// <inheritdoc/>
    public long EntryBytes(string key) => ReadRecord(key) is { ArtifactId: { } id }
        ? Blobs(ArtifactPrefix(id)).Sum(b => b.Properties.ContentLength ?? 0)
        : 0;

    /// <inheritdoc/>
    public bool Verify(CacheRecord record)
    {
        if (!record.Succeeded || record.ArtifactId is null)
        {
            return false;
        }

        var temp = Directory.CreateTempSubdirectory("olivenet-verify-");
        try
        {
            return TryDownload(record.ArtifactId, temp.FullName);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>Deletes the entry's record, which makes it invisible; its artifact goes with the next prune once no record names it.</summary>
    public void Remove(string key) =>
        SharedCacheErrors.Call(Location, _secrets, "delete a cache record", () => _container.GetBlobClient(RecordBlob(key)).DeleteIfExists());

    /// <summary>
    /// Deletes records that cannot be read, evaluations that do not match their hash, and artifacts no record names that
    /// are older than <see cref="MinOrphanAge"/> (uploads of killed runs).
    /// </summary>
    public int RemoveIncomplete() => RemoveIncomplete(MinOrphanAge);

    /// <summary>As <see cref="RemoveIncomplete()"/>, deleting artifacts without a record once they are <paramref name="minOrphanAge"/> old.</summary>
    public int RemoveIncomplete(TimeSpan minOrphanAge)
    {
        var removed = 0;
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in RecordKeys())
        {
            if (ReadRecord(key) is { ArtifactId: { } id })
            {
                named.Add(id);
            }
            else
            {
                Remove(key);
                removed++;
            }
        }

        var cutoff = DateTimeOffset.UtcNow - minOrphanAge;
        var orphans = Blobs($"{_prefix}artifacts/")
            .GroupBy(b => b.Name[$"{_prefix}artifacts/".Length..].Split('/')[0])
            .Where(g => !named.Contains(g.Key) && g.All(b => b.Properties.LastModified is { } t && t <= cutoff));
        foreach (var orphan in orphans)
        {
            Delete(orphan.Select(b => b.Name));
            removed++;
        }

        foreach (var evaluation in Blobs($"{_prefix}evaluations/").Select(b => b.Name).ToList())
        {
            if (Download(evaluation, "read an evaluation") is null)
            {
                Delete([evaluation]);
                removed++;
            }
        }

        return removed;
    }

    /// <inheritdoc/>
    public void Clear() => Delete(Blobs(_prefix).Select(b => b.Name));

    private IEnumerable<string> RecordKeys() => Blobs($"{_prefix}runs/")
        .Select(b => b.Name[$"{_prefix}runs/".Length..].Split('/'))
        .Where(parts => parts.Length == 2 && parts[1] == ArtifactCache.RecordFile)
        .Select(parts => parts[0]);

    private List<BlobItem> Blobs(string prefix) =>
        SharedCacheErrors.Call(Location, _secrets, "list blobs", () => _container.GetBlobs(BlobTraits.None, BlobStates.None, prefix, default).ToList());

    private void Delete(IEnumerable<string> names)
    {
        foreach (var name in names.ToList())
        {
            SharedCacheErrors.Call(Location, _secrets, "delete a blob", () => _container.GetBlobClient(name).DeleteIfExists());
        }
    }
}
