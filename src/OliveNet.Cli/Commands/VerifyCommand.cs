using System.CommandLine;
using OliveNet.Engine.Workflows;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet verify &lt;output_dir&gt;</c>: check a published folder against its manifest.</summary>
internal static class VerifyCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var folder = new Argument<string>("output_dir") { Description = "A folder written by olivenet run." };
        var command = new Command("verify", "Check that a published folder still matches its manifest.json (every file present, same SHA-256, nothing extra). Exit 0 when it does, 1 when not.")
        {
            folder,
        };
        command.SetAction(parse => CommandErrors.Guard(error, () =>
        {
            var path = Path.GetFullPath(parse.GetValue(folder)!);
            if (!Directory.Exists(path))
            {
                throw new UsageException($"'{path}' is not a folder");
            }

            var problems = OutputVerifier.Verify(path);
            foreach (var problem in problems)
            {
                error.WriteLine($"error: {problem}");
            }

            output.WriteLine(problems.Count == 0 ? $"{path}: matches its manifest" : $"{path}: {problems.Count} problem(s)");
            return problems.Count == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }));
        return command;
    }
}
