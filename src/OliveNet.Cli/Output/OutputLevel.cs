using System.CommandLine;

namespace OliveNet.Cli.Output;

/// <summary>How much progress a command prints on stderr: <c>--quiet</c> (errors and results only) or <c>--verbose</c>.</summary>
internal enum Verbosity
{
    Quiet,
    Normal,
    Verbose,
}

/// <summary>The global <c>--quiet</c>/<c>--verbose</c> options; new instances per command tree, read back by name.</summary>
internal static class OutputLevel
{
    public static Option<bool> Quiet => new("--quiet", "-q")
    {
        Description = "Print no progress on stderr: only errors, warnings that change the result, and the command's output.",
        Recursive = true,
    };

    public static Option<bool> Verbose => new("--verbose", "-v")
    {
        Description = "Print more progress: every pass's own messages and each evaluation step, with timestamps.",
        Recursive = true,
    };

    /// <exception cref="Commands.UsageException">Both were given.</exception>
    public static Verbosity Of(ParseResult parse)
    {
        var (quiet, verbose) = (parse.GetValue<bool>("--quiet"), parse.GetValue<bool>("--verbose"));
        return quiet && verbose ? throw new Commands.UsageException("--quiet and --verbose contradict each other; give one")
            : quiet ? Verbosity.Quiet
            : verbose ? Verbosity.Verbose
            : Verbosity.Normal;
    }
}
