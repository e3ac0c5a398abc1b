using System.CommandLine;
using OliveNet.Cli.Output;
using OliveNet.Engine.Recipes;

namespace OliveNet.Cli.Commands;

/// <summary>
/// Reports command-line parse errors: exit 2, as the exit-code contract says, with a did-you-mean for a mistyped command
/// or option and a pointer to --help; one JSON object on stdout too when <c>--json</c> was asked for.
/// </summary>
internal static class ParseErrors
{
    public static int Report(RootCommand root, ParseResult parsed, string[] args, TextWriter output, TextWriter error)
    {
        var command = parsed.CommandResult.Command;
        // "olivenet runn": the unmatched word is the problem; "Required command was not provided" would only repeat it.
        var problems = command == root && parsed.UnmatchedTokens.Count > 0 && parsed.Errors.Count > 1
            ? parsed.Errors.Where(p => parsed.UnmatchedTokens.Any(t => p.Message.Contains($"'{t}'", StringComparison.Ordinal)))
            : parsed.Errors;
        var messages = problems.Select(problem => problem.Message + Suggestion(root, command, parsed, problem)).ToList();
        foreach (var message in messages)
        {
            error.WriteLine($"error: {message}");
        }

        var name = command == root ? "olivenet" : $"olivenet {command.Name}";
        error.WriteLine($"See '{name} --help' for usage.");
        if (args.Contains("--json", StringComparer.Ordinal))
        {
            JsonOutput.Error(output, string.Join("; ", messages), ExitCodes.InvalidInput);
        }

        return ExitCodes.InvalidInput;
    }

    /// <summary>" (did you mean run?)" for an unmatched token close to a command or option name, else empty.</summary>
    private static string Suggestion(RootCommand root, Command command, ParseResult parsed, System.CommandLine.Parsing.ParseError problem)
    {
        var token = parsed.UnmatchedTokens.FirstOrDefault(t => problem.Message.Contains($"'{t}'", StringComparison.Ordinal));
        if (token is null)
        {
            return string.Empty;
        }

        // A word where a command belongs (olivenet runn) is matched against the commands; a dash word against the options.
        var candidates = token.StartsWith('-')
            ? command.Options.Concat(root.Options.Where(o => o.Recursive)).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(a => a.StartsWith("--", StringComparison.Ordinal))
            : command == root ? root.Subcommands.Select(c => c.Name) : [];
        return DidYouMean.Closest(token, candidates) is { } match
            ? command == root && !token.StartsWith('-') ? $" (did you mean olivenet {match}?)" : $" (did you mean {match}?)"
            : string.Empty;
    }
}
