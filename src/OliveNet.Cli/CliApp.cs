using System.CommandLine;
using OliveNet.Cli.Commands;
using OliveNet.Cli.Output;

namespace OliveNet.Cli;

/// <summary>The <c>olivenet</c> command tree. Output and error writers are injected so tests can read them.</summary>
public static class CliApp
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns its exit code (see <see cref="ExitCodes"/>).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
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
            TranscribeCommand.Create(output, error),
            ReportCommand.Create(output, error),
        };
        VersionText.Replace(root, output);
        root.Options.Add(OutputLevel.Quiet);
        root.Options.Add(OutputLevel.Verbose);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            return ParseErrors.Report(root, parsed, args, output, error);
        }

        // Ctrl+C is handled by the commands that can stop cleanly (run), which exit 130 themselves.
        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null });
    }
}
