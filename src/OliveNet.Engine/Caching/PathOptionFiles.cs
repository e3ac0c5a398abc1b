using System.Text.Json.Nodes;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;

namespace OliveNet.Engine.Caching;

/// <summary>
/// Adds to a pass's canonical options the SHA-256 of every file a path option names (e.g. Gptq's calibration_text), so a
/// cache key changes when the file's content does, not only when its path does. Folders keep their path (data folders
/// carry their content hash in their name); options without file paths are returned unchanged.
/// </summary>
public static class PathOptionFiles
{
    /// <summary>The options to key on: <paramref name="canonicalOptions"/>, plus <c>"{key}#sha256"</c> for each existing file.</summary>
    public static string WithContentHashes(string canonicalOptions, Type optionsType)
    {
        if (JsonNode.Parse(canonicalOptions) is not JsonObject options)
        {
            return canonicalOptions;
        }

        var added = false;
        foreach (var info in PassOptions.Describe(optionsType).Where(i => i.IsPath))
        {
            if (options[info.Key] is JsonValue v && v.TryGetValue<string>(out var path) && File.Exists(path))
            {
                options[info.Key + "#sha256"] = ArtifactHasher.HashFile(path);
                added = true;
            }
        }

        return added ? PassOptions.Canonical(options) : canonicalOptions;
    }
}
