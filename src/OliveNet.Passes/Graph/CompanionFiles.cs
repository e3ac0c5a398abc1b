using OliveNet.Engine.Passes;
using OliveNet.Onnx;

namespace OliveNet.Passes.Graph;

/// <summary>
/// Carries the files beside an input model (genai_config.json, tokenizer files, …) into a pass's output folder, so a
/// GenAI-layout folder stays one after an ONNX pass rewrites its model. The model file and its external data are left
/// to the pass, which writes its own.
/// </summary>
internal static class CompanionFiles
{
    /// <summary>
    /// Copies every file of the input's folder except the model and the external data files it names; returns their
    /// names. Other .onnx files are left out too, unless genai_config.json names them as components of the folder's
    /// model (a Whisper export's encoder.onnx beside its decoder), which the folder cannot run without.
    /// </summary>
    public static IReadOnlyList<string> Copy(PassContext context, OnnxModel input)
    {
        var skip = new HashSet<string>(StringComparer.Ordinal) { Path.GetFullPath(context.Input.ModelPath) };
        skip.UnionWith(input.ExternalDataFiles().Select(f => Path.GetFullPath(f.FullPath)));
        var components = GenAIComponents(context.Input.Folder);
        var copied = new List<string>();
        foreach (var file in Directory.GetFiles(context.Input.Folder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (skip.Contains(Path.GetFullPath(file)) || (name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && !components.Contains(name))
                || File.Exists(Path.Combine(context.OutputFolder, name)))
            {
                continue;
            }

            File.Copy(file, Path.Combine(context.OutputFolder, name));
            copied.Add(name);
        }

        return copied;
    }

    /// <summary>The <c>filename</c>s of the model sections of <paramref name="folder"/>'s genai_config.json (none without one).</summary>
    private static HashSet<string> GenAIComponents(string folder)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var path = Path.Combine(folder, "genai_config.json");
        try
        {
            if (File.Exists(path) && System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))?["model"] is System.Text.Json.Nodes.JsonObject model)
            {
                foreach (var (_, section) in model)
                {
                    if (section is System.Text.Json.Nodes.JsonObject o && o["filename"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var file))
                    {
                        names.Add(Path.GetFileName(file));
                    }
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // An unreadable config names no components; the pass that reads it reports the problem.
        }

        return names;
    }
}
