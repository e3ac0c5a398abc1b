using System.Diagnostics;
using System.Text.Json;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Runtime;

namespace OliveNet.Engine.Caching;

/// <summary>
/// Content-addressed store of pass runs under <c>&lt;cache_dir&gt;/&lt;workflow_id&gt;/runs/&lt;key&gt;/</c>: the output model in
/// <c>artifact/</c> and the completion record <c>record.json</c>. Entries are built in a temp folder and renamed into
/// place, so a killed run leaves nothing a later run trusts; a per-key file lock lets concurrent runs share work;
/// readers verify the artifact hash against the record.
/// </summary>
public sealed class ArtifactCache
{
    internal const string RecordFile = "record.json";
    internal const string ArtifactFolder = "artifact";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>Opens (without creating) the cache of one workflow.</summary>
    public ArtifactCache(string workflowRoot)
    {
        Root = Path.GetFullPath(workflowRoot);
    }

    /// <summary>The workflow's cache folder.</summary>
    public string Root { get; }

    private string Runs => Path.Combine(Root, "runs");

    private string Locks => Path.Combine(Root, "locks");

    /// <summary>The completion record of an entry, or null when there is no complete entry.</summary>
    public CacheRecord? ReadRecord(string key)
    {
        var path = Path.Combine(Runs, key, RecordFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<CacheRecord>(File.ReadAllText(path), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Every complete entry's record.</summary>
    public IReadOnlyList<CacheRecord> List() => !Directory.Exists(Runs)
        ? []
        : Directory.EnumerateDirectories(Runs)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Select(d => ReadRecord(Path.GetFileName(d)))
            .OfType<CacheRecord>()
            .OrderBy(r => r.FinishedUtc, StringComparer.Ordinal)
            .ToList();

    /// <summary>The artifact of a successful entry, after checking its files still hash to the recorded id; null otherwise.</summary>
    public ModelArtifact? Verified(CacheRecord record)
    {
        var folder = Path.Combine(Runs, record.Key, ArtifactFolder);
        if (!record.Succeeded || record.ArtifactId is null || !Directory.Exists(folder))
        {
            return null;
        }

        return ArtifactHasher.HashFolder(folder) == record.ArtifactId
            ? new ModelArtifact(ModelArtifact.ModelFileIn(folder), record.ArtifactId)
            : null;
    }

    /// <summary>
    /// Returns the entry for <paramref name="key"/>, running <paramref name="produce"/> into a fresh folder when there is
    /// no valid one. Holds the key's lock while checking and producing, so a concurrent run waits and then reuses.
    /// </summary>
    /// <param name="key">The cache key.</param>
    /// <param name="describe">Builds the record for a run that took the given time (status, artifact id and error are filled in here).</param>
    /// <param name="produce">Writes the output model into the folder it is given. A <see cref="Passes.PassFailedException"/>,
    /// ONNX Runtime, model-format or I/O error is recorded as a failed run; anything else is a bug and propagates.</param>
    /// <param name="retryFailed">When false, a recorded failure is returned as it is instead of running again.</param>
    /// <param name="log">Receives a line when an entry is found corrupt.</param>
    /// <param name="cancellation">Stops waiting for the lock.</param>
    public CacheOutcome GetOrRun(
        string key, Func<CacheRecord> describe, Action<string> produce, bool retryFailed, TextWriter log, CancellationToken cancellation)
    {
        Directory.CreateDirectory(Runs);
        Directory.CreateDirectory(Locks);
        using var entryLock = AcquireLock(key, cancellation);

        var existing = ReadRecord(key);
        if (existing is not null)
        {
            if (existing.Succeeded && Verified(existing) is { } artifact)
            {
                return new CacheOutcome(artifact, existing, Hit: true);
            }

            if (!existing.Succeeded && !retryFailed)
            {
                return new CacheOutcome(null, existing, Hit: true);
            }

            if (existing.Succeeded)
            {
                log.WriteLine($"cache entry {key[..12]} does not match its record (files changed or damaged); running the pass again");
            }
        }

        var temp = Path.Combine(Runs, $".tmp-{key}-{Guid.NewGuid():N}");
        var artifactFolder = Path.Combine(temp, ArtifactFolder);
        Directory.CreateDirectory(artifactFolder);
        var template = describe();
        var stopwatch = Stopwatch.StartNew();
        CacheRecord record;
        ModelArtifact? result = null;
        try
        {
            produce(artifactFolder);
            var id = ArtifactHasher.HashFolder(artifactFolder);
            record = template with { Status = "ok", ArtifactId = id, DurationMs = stopwatch.Elapsed.TotalMilliseconds, FinishedUtc = Now() };
            result = new ModelArtifact(Path.Combine(Runs, key, ArtifactFolder, Path.GetFileName(ModelArtifact.ModelFileIn(artifactFolder))), id);
        }
        catch (Exception e) when (e is PassFailedException or OrtException or OnnxFormatException or IOException or UnauthorizedAccessException)
        {
            Directory.Delete(artifactFolder, recursive: true);
            record = template with { Status = "failed", Error = e.Message, DurationMs = stopwatch.Elapsed.TotalMilliseconds, FinishedUtc = Now() };
        }
        catch
        {
            Directory.Delete(temp, recursive: true);
            throw;
        }

        WriteDurably(Path.Combine(temp, RecordFile), JsonSerializer.Serialize(record, Json));
        Replace(key, temp);
        return new CacheOutcome(result, record, Hit: false);
    }

    /// <summary>Bytes on disk of one entry.</summary>
    public long EntryBytes(string key)
    {
        var folder = Path.Combine(Runs, key);
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length)
            : 0;
    }

    /// <summary>Deletes one entry (under its lock, so a run using it finishes first).</summary>
    public void Remove(string key, CancellationToken cancellation = default)
    {
        var folder = Path.Combine(Runs, key);
        if (!Directory.Exists(folder))
        {
            return;
        }

        Directory.CreateDirectory(Locks);
        using var entryLock = AcquireLock(key, cancellation);
        var old = Path.Combine(Runs, $".old-{key}-{Guid.NewGuid():N}");
        Directory.Move(folder, old);
        Directory.Delete(old, recursive: true);
    }

    /// <summary>The workflow caches under a cache root: every folder holding a <c>runs/</c> folder.</summary>
    public static IReadOnlyList<ArtifactCache> Workflows(string cacheDir) => !Directory.Exists(cacheDir)
        ? []
        : Directory.EnumerateDirectories(cacheDir)
            .Where(d => Directory.Exists(Path.Combine(d, "runs")))
            .Order(StringComparer.Ordinal)
            .Select(d => new ArtifactCache(d))
            .ToList();

    /// <summary>Deletes the workflow's whole cache.</summary>
    public void Clear()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    /// <summary>Removes temp folders left by killed runs and entries without a completion record.</summary>
    /// <returns>How many folders were removed.</returns>
    public int RemoveIncomplete()
    {
        if (!Directory.Exists(Runs))
        {
            return 0;
        }

        var removed = 0;
        foreach (var folder in Directory.EnumerateDirectories(Runs))
        {
            var name = Path.GetFileName(folder);
            if (name.StartsWith(".tmp-", StringComparison.Ordinal) || name.StartsWith(".old-", StringComparison.Ordinal) || ReadRecord(name) is null)
            {
                Directory.Delete(folder, recursive: true);
                removed++;
            }
        }

        return removed;
    }

    private void Replace(string key, string temp)
    {
        var final = Path.Combine(Runs, key);
        if (Directory.Exists(final))
        {
            var old = Path.Combine(Runs, $".old-{key}-{Guid.NewGuid():N}");
            TransientIo.Run(() => Directory.Move(final, old));
            Directory.Delete(old, recursive: true);
        }

        TransientIo.Run(() => Directory.Move(temp, final));
    }

    private FileStream AcquireLock(string key, CancellationToken cancellation)
    {
        var path = Path.Combine(Locks, $"{key}.lock");
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock) on Unix; the kernel drops it if the process dies.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                cancellation.WaitHandle.WaitOne(100);
                cancellation.ThrowIfCancellationRequested();
            }
        }
    }

    internal static void WriteDurably(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true))
        {
            writer.Write(text);
        }

        stream.Flush(flushToDisk: true);
    }

    private static string Now() => DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
