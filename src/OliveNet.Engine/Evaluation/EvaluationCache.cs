using System.Security.Cryptography;
using System.Text.Json;
using OliveNet.Engine.Caching;

namespace OliveNet.Engine.Evaluation;

/// <summary>
/// Metric results under <c>&lt;cache_dir&gt;/&lt;workflow_id&gt;/evaluations/&lt;key&gt;.json</c>, keyed by the artifact id,
/// the metric's canonical config, the target, the data's content hash (and the reference model for fidelity) and the
/// tool versions. Written to a temp file and renamed, so a killed run never leaves a half result.
/// </summary>
public sealed class EvaluationCache(string workflowRoot)
{
    private string Folder => Path.Combine(workflowRoot, "evaluations");

    /// <summary>The key of one metric evaluation.</summary>
    public static string Key(params string?[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", parts.Select(p => p ?? "-")))));

    /// <summary>The cached values, or null.</summary>
    public IReadOnlyDictionary<string, double>? Read(string key)
    {
        var path = Path.Combine(Folder, $"{key}.json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Stores values durably.</summary>
    public void Write(string key, IReadOnlyDictionary<string, double> values)
    {
        Directory.CreateDirectory(Folder);
        var sorted = values.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value);
        ArtifactCache.WriteDurably(Path.Combine(Folder, $"{key}.json"), JsonSerializer.Serialize(sorted) + "\n");
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
