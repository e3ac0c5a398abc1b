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
    /// <summary>
    /// The options to key on: <paramref name="canonicalOptions"/>, plus <c>"{key}#sha256"</c> for each existing file, plus
    /// <c>"implicit:{file name}#sha256"</c> for each file <paramref name="options"/> reads without naming it (<see cref="IImplicitInputFiles"/>).
    /// </summary>
    public static string WithContentHashes(string canonicalOptions, Type optionsType, object? options = null)
    {
        var keyed = WithPathHashes(canonicalOptions, optionsType);
        if (options is not IImplicitInputFiles { } reads || reads.ImplicitInputFiles() is not { Count: > 0 } files || JsonNode.Parse(keyed) is not JsonObject json)
        {
            return keyed;
        }

        foreach (var file in files)
        {
            json["implicit:" + Path.GetFileName(file) + "#sha256"] = ArtifactHasher.HashFile(file);
        }

        return PassOptions.Canonical(json);
    }

    private static string WithPathHashes(string canonicalOptions, Type optionsType)
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
