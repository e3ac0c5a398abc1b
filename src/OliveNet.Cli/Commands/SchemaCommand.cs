using System.CommandLine;
using System.Text;
using OliveNet.Engine.Recipes;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet schema [--output PATH]</c>: the recipe JSON Schema, built from this build's loader and passes.</summary>
internal static class SchemaCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var path = new Option<string?>("--output", "-o")
        {
            Description = "Write the schema to this file (replaced whole, never left half-written) instead of printing it.",
            HelpName = "path",
        };
        var command = new Command(
            "schema",
            "Print the JSON Schema (draft 2020-12) of recipes: every key the loader accepts and every pass with its options, "
            + "defaults and descriptions. Point an editor at it for completion and checks while writing recipes.")
        {
            path,
        };
        command.SetAction(parse => CommandErrors.Guard(error, () =>
        {
            var schema = RecipeSchema.Generate(Services.Passes);
            var destination = parse.GetValue(path);
            if (destination is null)
            {
                output.Write(schema);
                return ExitCodes.Ok;
            }

            Write(Path.GetFullPath(destination), schema);
            output.WriteLine($"wrote {destination}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Writes beside the destination, then renames over it, so readers never see a partial file.</summary>
    private static void Write(string destination, string text)
    {
        var folder = Path.GetDirectoryName(destination)!;
        if (!Directory.Exists(folder))
        {
            throw new UsageException($"--output: folder {folder} does not exist; create it first");
        }

        if (Directory.Exists(destination))
        {
            throw new UsageException($"--output: {destination} is a folder; give a file path such as {Path.Combine(destination, "recipe.schema.json")}");
        }

        var temp = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllText(temp, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temp, destination, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new UsageException($"--output: cannot write {destination}: {e.Message}");
        }
    }
}
