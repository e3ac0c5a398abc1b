using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using OliveNet.Engine.Artifacts;

namespace OliveNet.Engine.Caching.Shared;

/// <summary>
/// The shared level of one workflow's cache in a blob container, under <c>&lt;workflow_id&gt;/</c>: pass-run records at
/// <c>runs/&lt;key&gt;/record.json</c>, artifact files content-addressed at <c>artifacts/&lt;artifact_id&gt;/&lt;file&gt;</c> and
/// metric results at <c>evaluations/&lt;key&gt;.json</c>. An entry becomes visible when its record (or evaluation) blob is
/// created, which happens last and only if no blob of that name exists (If-None-Match: *): of two machines writing one key,
/// one wins and the other adopts the winner's entry. Downloads are re-hashed against the record before use. Only
/// successful runs are shared. Safe to use from several threads.
/// </summary>
public sealed partial class SharedCache
{
    private const string HashMetadata = "sha256";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private readonly BlobContainerClient _container;
    private readonly IReadOnlyList<string> _secrets;
    private readonly string _prefix;

    internal SharedCache(SharedCacheLocation location, string workflowId, BlobContainerClient container, IReadOnlyList<string> secrets, TextWriter log)
    {
        Location = location;
        WorkflowId = workflowId;
        _container = container;
        _secrets = secrets;
        _prefix = $"{workflowId}/";
        Log = log;
    }

    /// <summary>The container (no credentials: safe to print).</summary>
    public SharedCacheLocation Location { get; }

    /// <summary>The workflow whose entries this level holds.</summary>
    public string WorkflowId { get; }

    /// <summary>Receives a line when a shared entry is found damaged.</summary>
    public TextWriter Log { get; }

    /// <summary>Opens the shared level of one workflow with credentials from <paramref name="environment"/> (default: the process environment).</summary>
    /// <exception cref="SharedCacheException">The credentials are malformed.</exception>
    public static SharedCache Open(SharedCacheLocation location, string workflowId, TextWriter log, Func<string, string?>? environment = null)
    {
        var env = environment ?? Environment.GetEnvironmentVariable;
        var container = SharedCacheConnection.Open(location, env);
        string[] secrets = [.. new[] { SharedCacheConnection.ConnectionStringVariable, SharedCacheConnection.KeyVariable, SharedCacheConnection.SasVariable }
            .Select(env).OfType<string>().Where(s => s.Length > 0)];
        return new SharedCache(location, workflowId, container, secrets, log);
    }

    /// <summary>The record of a successful shared run, or null when there is none (or it cannot be read as a record).</summary>
    /// <exception cref="SharedCacheException">The service cannot be reached.</exception>
    public CacheRecord? ReadRecord(string key)
    {
        var text = Download(RecordBlob(key), "read a cache record");
        if (text is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<CacheRecord>(text, Json) is { Succeeded: true, ArtifactId: not null } r && r.Key == key ? r : null;
        }
        catch (JsonException)
        {
            Log.WriteLine($"shared cache {Location}: the record of {key[..12]} is not valid JSON (damaged); ignored — olivenet cache prune --cache-dir {Location} removes it");
            return null;
        }
    }

    /// <summary>
    /// Downloads an artifact into <paramref name="folder"/> (which must be empty) and checks its files hash to
    /// <paramref name="artifactId"/>. Returns false, and says so on <see cref="Log"/>, when they do not.
    /// </summary>
    /// <exception cref="SharedCacheException">The service cannot be reached.</exception>
    public bool TryDownload(string artifactId, string folder)
    {
        var prefix = ArtifactPrefix(artifactId);
        var root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;
        var blobs = SharedCacheErrors.Call(Location, _secrets, "list an artifact", () => _container.GetBlobs(BlobTraits.None, BlobStates.None, prefix, default).Select(b => b.Name).ToList());
        foreach (var name in blobs)
        {
            var target = Path.GetFullPath(Path.Combine(root, name[prefix.Length..]));
            if (!target.StartsWith(root, StringComparison.Ordinal))
            {
                Log.WriteLine($"shared cache {Location}: artifact {artifactId[..12]} has a file outside its folder ({name}); not used");
                return false;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            SharedCacheErrors.Call(Location, _secrets, "download an artifact", () => _container.GetBlobClient(name).DownloadTo(target));
        }

        if (blobs.Count > 0 && ArtifactHasher.HashFolder(folder) == artifactId)
        {
            return true;
        }

        Log.WriteLine(
            $"shared cache {Location}: artifact {artifactId[..12]} does not hash to its record (damaged, tampered or incomplete); not used — " +
            $"olivenet cache prune --cache-dir {Location} removes it");
        return false;
    }

    /// <summary>
    /// Shares a successful run: uploads its artifact files, then creates its record unless one exists. Returns the record
    /// that is now shared (ours, or the one another machine committed first) and whether ours won.
    /// </summary>
    /// <exception cref="SharedCacheException">The service cannot be reached; nothing half-written becomes visible.</exception>
    public (CacheRecord Shared, bool Won) Publish(CacheRecord record, string artifactFolder)
    {
        if (!record.Succeeded || record.ArtifactId is null)
        {
            throw new ArgumentException("only successful runs are shared", nameof(record));
        }

        var prefix = ArtifactPrefix(record.ArtifactId);
        foreach (var file in Directory.EnumerateFiles(artifactFolder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = prefix + Path.GetRelativePath(artifactFolder, file).Replace('\\', '/');
            SharedCacheErrors.Call(Location, _secrets, "upload an artifact", () => _container.GetBlobClient(name).Upload(file, overwrite: true));
        }

        if (CreateOnce(RecordBlob(record.Key), JsonSerializer.Serialize(record, Json), "commit a cache record"))
        {
            return (record, true);
        }

        return (ReadRecord(record.Key) ?? record, false);
    }

    /// <summary>A shared metric result, or null when there is none or its content does not match its hash.</summary>
    /// <exception cref="SharedCacheException">The service cannot be reached.</exception>
    public string? ReadEvaluation(string key) => Download(EvaluationBlob(key), "read an evaluation");

    /// <summary>Shares a metric result unless one exists; returns the text now shared (ours or the earlier one).</summary>
    /// <exception cref="SharedCacheException">The service cannot be reached.</exception>
    public string WriteEvaluation(string key, string text) =>
        CreateOnce(EvaluationBlob(key), text, "share an evaluation") ? text : ReadEvaluation(key) ?? text;

    private string RecordBlob(string key) => $"{_prefix}runs/{key}/{ArtifactCache.RecordFile}";

    private string ArtifactPrefix(string artifactId) => $"{_prefix}artifacts/{artifactId}/";

    private string EvaluationBlob(string key) => $"{_prefix}evaluations/{key}.json";

    /// <summary>Creates a small blob with its SHA-256 in metadata, if no blob has that name; false when one did.</summary>
    private bool CreateOnce(string name, string text, string what)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var options = new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            Metadata = new Dictionary<string, string> { [HashMetadata] = Convert.ToHexStringLower(SHA256.HashData(bytes)) },
        };
        return SharedCacheErrors.Call(Location, _secrets, what, () =>
        {
            try
            {
                _container.GetBlobClient(name).Upload(new BinaryData(bytes), options);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                return false;
            }
        });
    }

    /// <summary>A small blob's text after checking it against its hash; null when it is absent or damaged.</summary>
    private string? Download(string name, string what)
    {
        var result = SharedCacheErrors.Call(Location, _secrets, what, () =>
        {
            try
            {
                return _container.GetBlobClient(name).DownloadContent().Value;
            }
            catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode == BlobErrorCode.BlobNotFound)
            {
                return null;
            }
        });
        if (result is null)
        {
            return null;
        }

        var bytes = result.Content.ToArray();
        if (!result.Details.Metadata.TryGetValue(HashMetadata, out var expected) || expected != Convert.ToHexStringLower(SHA256.HashData(bytes)))
        {
            Log.WriteLine($"shared cache {Location}: {name} does not match its hash (damaged or tampered); not used — olivenet cache prune --cache-dir {Location} removes it");
            return null;
        }

        return Encoding.UTF8.GetString(bytes);
    }
}
