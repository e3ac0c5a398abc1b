using System.Text.Json.Nodes;
using OliveNet.Engine.Artifacts;

namespace OliveNet.Engine.Workflows;

/// <summary>Checks a published folder against its <c>manifest.json</c>: every listed file present with its hash, nothing extra.</summary>
public static class OutputVerifier
{
    /// <summary>The problems found; empty when the folder matches its manifest.</summary>
    public static IReadOnlyList<string> Verify(string folder)
    {
        var manifestPath = Path.Combine(folder, Publisher.ManifestFile);
        if (!File.Exists(manifestPath))
        {
            return [$"{manifestPath} not found: this is not a folder published by olivenet run"];
        }

        JsonNode? manifest;
        try
        {
            manifest = JsonNode.Parse(File.ReadAllText(manifestPath));
        }
        catch (System.Text.Json.JsonException e)
        {
            return [$"{manifestPath} is not valid JSON: {e.Message}"];
        }

        var problems = new List<string>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in manifest?["files"]?.AsArray() ?? [])
        {
            var path = entry?["path"]?.GetValue<string>() ?? string.Empty;
            listed.Add(path);
            var full = Path.Combine(folder, path);
            if (!File.Exists(full))
            {
                problems.Add($"{path}: missing");
            }
            else if (ArtifactHasher.HashFile(full) != entry?["sha256"]?.GetValue<string>())
            {
                problems.Add($"{path}: content differs from the manifest (sha256 mismatch)");
            }
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                     .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
                     .Where(f => f is not Publisher.ManifestFile and not Publisher.HistoryFile && !Reports.ReportWriter.Files.Contains(f) && !listed.Contains(f))
                     .Order(StringComparer.Ordinal))
        {
            problems.Add($"{file}: not listed in the manifest");
        }

        return problems;
    }
}
