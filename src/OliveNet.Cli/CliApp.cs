using System.CommandLine;
using OliveNet.Cli.Commands;

namespace OliveNet.Cli;

/// <summary>The <c>olivenet</c> command tree. Output and error writers are injected so tests can read them.</summary>
public static class CliApp
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns its exit code (see <see cref="ExitCodes"/>).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand(
            "OliveNet: declarative optimization pipelines for ONNX models, on ONNX Runtime, without Python.")
        {
            RunCommand.Create(output, error),
            ValidateCommand.Create(output, error),
            PassesCommand.Create(output, error),
            SchemaCommand.Create(output, error),
            VerifyCommand.Create(output, error),
            CacheCommand.Create(output, error),
            InspectCommand.Create(output, error),
            BenchCommand.Create(output, error),
            GenerateCommand.Create(output, error),
            ReportCommand.Create(output, error),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // Parse errors are argument errors: exit 2, as the exit-code contract says, with a pointer to --help.
            foreach (var problem in parsed.Errors)
            {
                error.WriteLine($"error: {problem.Message}");
            }

            var command = parsed.CommandResult.Command;
            var name = command == root ? "olivenet" : $"olivenet {command.Name}";
            error.WriteLine($"See '{name} --help' for usage.");
            return ExitCodes.InvalidInput;
        }

        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
