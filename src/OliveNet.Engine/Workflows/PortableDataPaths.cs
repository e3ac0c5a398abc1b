using System.Text.Json.Nodes;

namespace OliveNet.Engine.Workflows;

/// <summary>
/// Pass options as they enter cache keys, records and manifests: a data folder the engine wrote for a pass
/// (<c>&lt;cache&gt;/&lt;workflow&gt;/data/&lt;name&gt;-&lt;content hash&gt;</c>, see Recipes.PassDataContext) is named
/// <c>data:&lt;name&gt;-&lt;content hash&gt;</c> instead of by its absolute path, so moving or sharing the cache folder keeps
/// every key. The pass itself still receives the real path.
/// </summary>
internal static class PortableDataPaths
{
    /// <summary>The canonical options JSON with paths under <paramref name="workflowRoot"/>/data replaced.</summary>
    public static string Rewrite(string canonicalOptions, string workflowRoot)
    {
        var prefix = Path.Combine(Path.GetFullPath(workflowRoot), "data") + Path.DirectorySeparatorChar;
        if (!canonicalOptions.Contains(prefix, StringComparison.Ordinal) || JsonNode.Parse(canonicalOptions) is not JsonObject options)
        {
            return canonicalOptions;
        }

        foreach (var (key, value) in options.ToList())
        {
            if (value is JsonValue v && v.TryGetValue<string>(out var text) && text.StartsWith(prefix, StringComparison.Ordinal))
            {
                options[key] = $"data:{text[prefix.Length..].Replace('\\', '/')}";
            }
        }

        return options.ToJsonString();
    }
}
