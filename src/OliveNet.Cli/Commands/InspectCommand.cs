using System.CommandLine;
using OliveNet.Cli.Output;
using OliveNet.Engine.Assets;
using OliveNet.Engine.Inspection;
using OliveNet.Onnx;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet inspect &lt;model&gt;</c>: what a model is made of, without running it.</summary>
internal static class InspectCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Argument<string>("model")
        {
            Description = "An .onnx file, a folder holding model.onnx, or npm:<package>@<version>/<file> (fetched once into ~/.cache/olivenet).",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the table (for scripts and build servers)." };
        var command = new Command(
            "inspect",
            "Show a model's opsets, inputs and outputs, operator counts (subgraphs included), parameters by type (initializers and Constant-node weights) and external data files.")
        {
            model,
            json,
        };

        command.SetAction(parse => CommandErrors.Guard(error, () =>
        {
            var path = new ModelLocator().Resolve(parse.GetValue(model)!, error);
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
}
