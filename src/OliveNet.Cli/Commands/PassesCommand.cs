using System.CommandLine;
using OliveNet.Engine.Passes;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet passes [name]</c>: the passes this build has, and their options.</summary>
internal static class PassesCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var name = new Argument<string?>("name") { Description = "A pass type (case-insensitive) to show in full.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("passes", "List the passes OliveNet has (Olive type names), or one pass's options with defaults and descriptions.")
        {
            name,
        };
        command.SetAction(parse => CommandErrors.Guard(error, () =>
        {
            var registry = Services.Passes;
            var wanted = parse.GetValue(name);
            if (wanted is null)
            {
                var width = registry.All.Count == 0 ? 0 : registry.All.Max(p => p.Metadata.Id.Length);
                foreach (var pass in registry.All)
                {
                    output.WriteLine($"{pass.Metadata.Id.PadRight(width)}  {pass.Metadata.Summary}");
                }

                output.WriteLine();
                output.WriteLine("Show one pass's options: olivenet passes <name>");
                return ExitCodes.Ok;
            }

            var found = registry.Find(wanted) ?? throw new UsageException($"no pass '{wanted}'{Suggest(wanted, registry)}; list them with olivenet passes");
            Write(output, found);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// " (did you mean X?)": the closest type by spelling, or else the types that contain what was typed (how people
    /// abbreviate: onnxpeephole → OnnxPeepholeOptimizer), so a partial name finds its pass.
    /// </summary>
    private static string Suggest(string wanted, PassRegistry registry)
    {
        var ids = registry.All.Select(p => p.Metadata.Id).ToList();
        if (Engine.Recipes.DidYouMean.Closest(wanted, ids) is { } close)
        {
            return $" (did you mean {close}?)";
        }

        var containing = wanted.Length < 3 ? [] : ids.Where(id => id.Contains(wanted, StringComparison.OrdinalIgnoreCase)).ToList();
        return containing.Count == 0 ? string.Empty : $" (did you mean {string.Join(" or ", containing)}?)";
    }

    private static void Write(TextWriter w, IPass pass)
    {
        var m = pass.Metadata;
        w.WriteLine($"{m.Id} (version {m.Version})");
        w.WriteLine($"  {m.Summary}");
        w.WriteLine($"  devices: {(m.Devices.Count == 0 ? "any" : string.Join(", ", m.Devices))}; execution providers: {(m.ExecutionProviders.Count == 0 ? "any" : string.Join(", ", m.ExecutionProviders))}");
        w.WriteLine($"  data: {m.Dataset}; runs on target: {(m.RunsOnTarget ? "yes" : "no")}; target-agnostic: {(m.TargetAgnostic ? "yes" : "no")}");
        w.WriteLine();
        w.WriteLine("options:");
        foreach (var option in PassOptions.Describe(pass.OptionsType))
        {
            w.WriteLine($"  {option.Key} ({option.Type}, default {option.DefaultJson})");
            w.WriteLine($"      {option.Description}");
            if (option.CandidatesJson.Count > 0)
            {
                w.WriteLine($"      search candidates: {string.Join(", ", option.CandidatesJson)}");
            }
        }
    }
}
