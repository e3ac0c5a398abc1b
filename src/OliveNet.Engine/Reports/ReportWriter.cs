using System.Text.Json;
using System.Text.Json.Serialization;
using OliveNet.Engine.Caching;

namespace OliveNet.Engine.Reports;

/// <summary>Writes a run's report files into a folder: metrics.json, report.html, summary.md, junit.xml and README.md.</summary>
public static class ReportWriter
{
    /// <summary>The report files, in the order written; none is covered by the manifest (they hold timings).</summary>
    public static IReadOnlyList<string> Files { get; } = ["metrics.json", "report.html", "summary.md", "junit.xml", "README.md"];

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes every report file, each durably.</summary>
    /// <param name="folder">The destination folder.</param>
    /// <param name="report">The values.</param>
    /// <param name="modelCardTemplate">A Handlebars template for README.md; null = the built-in one.</param>
    public static void Write(string folder, RunReport report, string? modelCardTemplate)
    {
        Directory.CreateDirectory(folder);
        ArtifactCache.WriteDurably(Path.Combine(folder, "metrics.json"), JsonSerializer.Serialize(report, Json) + "\n");
        Render(folder, report, modelCardTemplate);
    }

    /// <summary>Renders everything but metrics.json from the values.</summary>
    public static void Render(string folder, RunReport report, string? modelCardTemplate)
    {
        ArtifactCache.WriteDurably(Path.Combine(folder, "report.html"), HtmlReport.Render(report));
        ArtifactCache.WriteDurably(Path.Combine(folder, "summary.md"), MarkdownSummary.Render(report));
        ArtifactCache.WriteDurably(Path.Combine(folder, "junit.xml"), JunitReport.Render(report));
        ArtifactCache.WriteDurably(Path.Combine(folder, "README.md"), ModelCard.Render(report, modelCardTemplate is null ? null : File.ReadAllText(modelCardTemplate)));
    }

    /// <summary>Reads metrics.json back, for <c>olivenet report</c>.</summary>
    /// <exception cref="InvalidDataException">The file is missing or not an OliveNet metrics file.</exception>
    public static RunReport Read(string folder)
    {
        var path = Path.Combine(folder, "metrics.json");
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path} does not exist; give the output_dir of a run that evaluated its models");
        }

        try
        {
            return JsonSerializer.Deserialize<RunReport>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not an OliveNet metrics file: {e.Message}");
        }
    }
}
