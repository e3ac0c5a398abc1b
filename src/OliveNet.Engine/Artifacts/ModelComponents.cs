using System.Text.Json;

namespace OliveNet.Engine.Artifacts;

/// <summary>
/// The ONNX files a GenAI-layout model is made of. A Whisper export, for one, is a decoder (the artifact's
/// <c>model.onnx</c>) and an encoder; <c>genai_config.json</c> names each component's file under <c>model</c>
/// (<c>model.decoder.filename</c>, <c>model.encoder.filename</c>, …). A single-model folder has no other components.
/// </summary>
public static class ModelComponents
{
    /// <summary>The GenAI configuration file that names the components.</summary>
    public const string GenAiConfigFileName = "genai_config.json";

    /// <summary>
    /// The file names (relative to the model's folder, sorted) of the components other than <paramref name="modelPath"/>
    /// that the folder's genai_config.json names and that exist; empty without a genai_config.json or when it names
    /// only the model itself.
    /// </summary>
    public static IReadOnlyList<string> Others(string modelPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        var config = Path.Combine(folder, GenAiConfigFileName);
        if (!File.Exists(config))
        {
            return [];
        }

        var names = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(config));
            if (!document.RootElement.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            {
                return [];
            }

            foreach (var section in model.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object))
            {
                if (section.Value.TryGetProperty("filename", out var file) && file.ValueKind == JsonValueKind.String
                    && file.GetString() is { } name && name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)
                    && !name.Contains('/', StringComparison.Ordinal) && !name.Contains('\\', StringComparison.Ordinal))
                {
                    names.Add(name);
                }
            }
        }
        catch (JsonException)
        {
            // An unreadable genai_config.json names no components; GenAI itself reports it when the model is loaded.
            return [];
        }

        names.Remove(Path.GetFileName(modelPath));
        return names.Where(n => File.Exists(Path.Combine(folder, n))).ToList();
    }

    /// <summary>Full paths of the model and its <see cref="Others"/>, the model first.</summary>
    public static IReadOnlyList<string> Paths(string modelPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        return Others(modelPath).Select(n => Path.Combine(folder, n)).Prepend(Path.GetFullPath(modelPath)).ToList();
    }
}
