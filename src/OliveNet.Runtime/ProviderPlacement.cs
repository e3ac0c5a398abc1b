using System.Text.Json;

namespace OliveNet.Runtime;

/// <summary>
/// Which execution provider ORT really ran each node on, read from a one-run profile: the answer to "did the
/// recipe's EP run the model, or did nodes fall back to CPU?" ORT places nodes per provider when the session is
/// created, and the profile's kernel events name the provider of every node that ran.
/// </summary>
public static class ProviderPlacement
{
    /// <summary>Runs <paramref name="inputs"/> once through a profiled session made by <paramref name="configure"/> and
    /// counts the nodes that ran on each provider.</summary>
    /// <param name="modelPath">The model file.</param>
    /// <param name="configure">Applies the caller's settings (execution provider, optimization level, threads) to fresh options.</param>
    /// <param name="inputs">Input name → value, owned by the caller.</param>
    /// <returns>Provider name → number of distinct nodes that ran on it, sorted by name.</returns>
    /// <exception cref="OrtException">ORT rejected the model, the inputs or the profile.</exception>
    public static IReadOnlyDictionary<string, int> Measure(string modelPath, Action<SessionOptions> configure, IReadOnlyList<KeyValuePair<string, OrtValue>> inputs)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var folder = Directory.CreateTempSubdirectory("olivenet-profile-");
        try
        {
            using var options = new SessionOptions();
            configure(options);
            options.EnableProfiling(Path.Combine(folder.FullName, "run"));
            string profile;
            using (var session = new InferenceSession(modelPath, options))
            {
                using (session.Run(inputs))
                {
                }

                profile = session.EndProfiling();
            }

            return Count(profile);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Counts distinct nodes per provider in an ORT profile (Chrome trace JSON: an array of events; kernel
    /// events have <c>cat: "Node"</c> and <c>args.provider</c>).</summary>
    public static IReadOnlyDictionary<string, int> Count(string profilePath)
    {
        using var stream = File.OpenRead(profilePath);
        using var document = JsonDocument.Parse(stream);
        var nodes = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var e in document.RootElement.EnumerateArray())
        {
            if (e.TryGetProperty("cat", out var cat) && cat.GetString() == "Node"
                && e.TryGetProperty("args", out var args) && args.TryGetProperty("provider", out var provider)
                && e.TryGetProperty("name", out var name))
            {
                var node = name.GetString() ?? string.Empty;
                var cut = node.LastIndexOf("_kernel_time", StringComparison.Ordinal);
                if (cut < 0)
                {
                    continue;
                }

                var key = provider.GetString() ?? "unknown";
                if (!nodes.TryGetValue(key, out var set))
                {
                    nodes[key] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(node[..cut]);
            }
        }

        return new SortedDictionary<string, int>(nodes.ToDictionary(kv => kv.Key, kv => kv.Value.Count, StringComparer.Ordinal), StringComparer.Ordinal);
    }
}
