using System.Security.Cryptography;
using System.Text.Json;
using OliveNet.Engine.Caching;
using OliveNet.Engine.Caching.Shared;

namespace OliveNet.Engine.Evaluation;

/// <summary>
/// Metric results under <c>&lt;cache_dir&gt;/&lt;workflow_id&gt;/evaluations/&lt;key&gt;.json</c>, keyed by the artifact id,
/// the metric's canonical config, the target, the data's content hash (and the reference model for fidelity) and the
/// tool versions. Written durably, so a killed run never leaves a half result. With a <see cref="SharedCache"/> behind
/// the folder, a local miss is looked up there and a new result is shared (the first machine's result wins for everyone).
/// </summary>
/// <param name="workflowRoot">The workflow's local cache folder.</param>
/// <param name="shared">The shared level, or null.</param>
public sealed class EvaluationCache(string workflowRoot, SharedCache? shared = null)
{
    private string Folder => Path.Combine(workflowRoot, "evaluations");

    /// <summary>The key of one metric evaluation.</summary>
    public static string Key(params string?[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", parts.Select(p => p ?? "-")))));

    /// <summary>The cached values (from the local level, else the shared one), or null.</summary>
    /// <exception cref="SharedCacheException">The shared level cannot be reached.</exception>
    public IReadOnlyDictionary<string, double>? Read(string key)
    {
        var path = Path.Combine(Folder, $"{key}.json");
        if (File.Exists(path) && Parse(File.ReadAllText(path)) is { } local)
        {
            return local;
        }

        if (shared?.ReadEvaluation(key) is not { } text || Parse(text) is not { } values)
        {
            return null;
        }

        Store(key, text);
        return values;
    }

    /// <summary>
    /// Stores values durably and shares them; returns the values now cached, which are another machine's when it shared
    /// this key first (a measured latency differs from run to run: every machine then ranks with the same numbers).
    /// </summary>
    /// <exception cref="SharedCacheException">The shared level cannot be reached; the values are stored locally.</exception>
    public IReadOnlyDictionary<string, double> Write(string key, IReadOnlyDictionary<string, double> values)
    {
        var text = JsonSerializer.Serialize(values.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value)) + "\n";
        Store(key, text);
        if (shared is null)
        {
            return values;
        }

        var winner = shared.WriteEvaluation(key, text);
        if (winner == text || Parse(winner) is not { } theirs)
        {
            return values;
        }

        Store(key, winner);
        return theirs;
    }

    private void Store(string key, string text)
    {
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, $"{key}.json");
        var temp = Path.Combine(Folder, $".tmp-{key}-{Guid.NewGuid():N}.json");
        ArtifactCache.WriteDurably(temp, text);
        File.Move(temp, path, overwrite: true);
    }

    private static Dictionary<string, double>? Parse(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, double>>(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Deletes every cached evaluation (Olive's <c>clean_evaluation_cache</c>).</summary>
    public void Clear()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
