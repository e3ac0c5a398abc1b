using OliveNet.Engine.Artifacts;
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
    /// Copies every file of the input's folder except ONNX files and the external data files of the model and of its other
    /// components (<see cref="ModelComponents"/>, which a pass that handles them writes itself); returns their names.
    /// </summary>
    public static IReadOnlyList<string> Copy(PassContext context, OnnxModel input)
    {
        var skip = new HashSet<string>(StringComparer.Ordinal) { Path.GetFullPath(context.Input.ModelPath) };
        skip.UnionWith(input.ExternalDataFiles().Select(f => Path.GetFullPath(f.FullPath)));
        foreach (var component in ModelComponents.Paths(context.Input.ModelPath).Skip(1))
        {
            skip.UnionWith(OnnxModel.Load(component).ExternalDataFiles().Select(f => Path.GetFullPath(f.FullPath)));
        }

        var copied = new List<string>();
        foreach (var file in Directory.GetFiles(context.Input.Folder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (skip.Contains(Path.GetFullPath(file)) || name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || File.Exists(Path.Combine(context.OutputFolder, name)))
            {
                continue;
            }

            File.Copy(file, Path.Combine(context.OutputFolder, name));
            copied.Add(name);
        }

        return copied;
    }
}
