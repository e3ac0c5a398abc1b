using System.CommandLine;
using OliveNet.Cli.Output;
using OliveNet.Engine.Workflows;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet run &lt;recipe&gt;</c>: run the passes through the cache and publish the result.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var recipe = RecipeOptions.Recipe();
        var set = RecipeOptions.Set();
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate and print the resolved plan; run nothing." };
        var noRetry = new Option<bool>("--no-retry-failed") { Description = "Report a pass that failed in an earlier run instead of running it again." };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary on stdout (progress still goes to stderr)." };
        var command = new Command(
            "run",
            "Run a recipe: each pass's result is cached by content (a rerun reuses them), and the final model is published to output_dir with model_config.json, footprint.json and manifest.json.")
        {
            recipe, set, dryRun, noRetry, json,
        };
        command.SetAction((parse, cancellation) => Task.FromResult(CommandErrors.Guard(error, () =>
        {
            var loaded = Services.Recipes.Load(parse.GetValue(recipe)!, parse.GetValue(set) ?? []);
            if (parse.GetValue(dryRun))
            {
                PlanText.Write(output, loaded);
                return ExitCodes.Ok;
            }

            // A live line on an interactive terminal; plain timestamped lines in CI logs and redirected output.
            using var live = error == Console.Error && LiveProgress.Supported ? new LiveProgress(error) : null;
            var settings = new RunSettings
            {
                RetryFailed = !parse.GetValue(noRetry),
                Progress = live ?? (TextWriter)new TimestampedWriter(error),
                Observer = live,
            };
            var summary = new WorkflowRunner().Run(loaded, settings, cancellation);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(output, summary);
            }
            else
            {
                RunText.Write(output, summary);
            }

            // Exit 3: the run finished but no candidate met the goals, so nothing was published (reports were written).
            return summary.Published ? ExitCodes.Ok : ExitCodes.GoalsNotMet;
        })));
        return command;
    }
}
