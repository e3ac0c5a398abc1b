using System.CommandLine;
using System.Runtime.InteropServices;
using OliveNet.Cli.Output;
using OliveNet.Engine.Workflows;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet run &lt;recipe&gt;</c>: run the passes through the cache and publish the result.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var recipe = RecipeOptions.Recipe();
        var config = RecipeOptions.Config();
        var set = RecipeOptions.Set();
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate and print the resolved plan; run nothing." };
        var noRetry = new Option<bool>("--no-retry-failed") { Description = "Report a pass that failed in an earlier run instead of running it again." };
        var shard = new Option<string?>("--shard")
        {
            Description = "I/N: run only the candidates of shard I of N (those whose index modulo N is I) into the shared cache and publish nothing; "
                + "a later run without --shard gathers from the cache and publishes. For job arrays: --shard $SLURM_ARRAY_TASK_ID/N.",
        };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary on stdout (progress still goes to stderr); errors too come as one JSON object." };
        var command = new Command(
            "run",
            "Run a recipe: each pass's result is cached by content (a rerun reuses them), and the final model is published to output_dir with model_config.json, footprint.json and manifest.json. Ctrl+C stops after the current step (exit 130); a rerun resumes from the cached passes.")
        {
            recipe, config, set, dryRun, noRetry, shard, json,
        };
        command.SetAction(parse => CommandErrors.Guard(error, () =>
        {
            Shard? part = null;
            if (parse.GetValue(shard) is { } text)
            {
                part = Shard.Parse(text, out var problem) ?? throw new UsageException(problem!);
            }

            var path = RecipeOptions.Path(parse, recipe, config);
            var loaded = Services.Recipes.Load(path, parse.GetValue(set) ?? []);
            if (parse.GetValue(dryRun))
            {
                PlanText.Write(output, loaded);
                if (part is not null)
                {
                    var assigned = WorkflowRunner.Assigned(loaded, part);
                    output.WriteLine($"shard       {part}: {assigned.Count} candidate(s){(assigned.Count == 0 ? string.Empty : ":")}");
                    foreach (var (index, label) in assigned)
                    {
                        output.WriteLine($"  candidate {index,-3} {label}");
                    }
                }

                return ExitCodes.Ok;
            }

            using var view = ProgressView.Create(error, OutputLevel.Of(parse));
            using var interrupt = new Interrupt(error);
            var settings = new RunSettings { RetryFailed = !parse.GetValue(noRetry), Progress = view.Log, Observer = view };
            RunSummary? summary = null;
            ShardSummary? sharded = null;
            try
            {
                if (part is not null)
                {
                    sharded = view.Show(() => new WorkflowRunner().RunShard(loaded, part, settings, interrupt.Token));
                }
                else
                {
                    summary = view.Show(() => new WorkflowRunner().Run(loaded, settings, interrupt.Token));
                }
            }
            catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
            {
                var message = $"interrupted: {view.PassesFinished} pass(es) cached; rerun resumes from there";
                error.WriteLine(message);
                if (parse.GetValue(json))
                {
                    JsonOutput.Error(output, message, ExitCodes.Interrupted);
                }

                return ExitCodes.Interrupted;
            }

            if (sharded is not null)
            {
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(output, sharded);
                }
                else
                {
                    ShardText.Write(output, sharded, path);
                }

                return ExitCodes.Ok;
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(output, summary!);
            }
            else
            {
                RunText.Write(output, summary!);
            }

            // Exit 3: the run finished but no candidate met the goals, so nothing was published (reports were written).
            return summary!.Published ? ExitCodes.Ok : ExitCodes.GoalsNotMet;
        }, parse.GetValue(json) ? output : null));
        return command;
    }

    /// <summary>
    /// The first Ctrl+C (SIGINT) asks the run to stop after its current step, keeping the cache consistent; a second one
    /// ends the process at once, as terminals expect.
    /// </summary>
    private sealed class Interrupt : IDisposable
    {
        private readonly CancellationTokenSource _source = new();
        private readonly PosixSignalRegistration _registration;

        public Interrupt(TextWriter error)
        {
            _registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
            {
                if (_source.IsCancellationRequested)
                {
                    return;
                }

                // Cancel before writing: the message shares stderr's lock with the progress lines, and a busy loop
                // that keeps taking that lock must not be able to delay the stop.
                context.Cancel = true;
                _source.Cancel();
                error.WriteLine("stopping after the current step (Ctrl+C again to quit at once) ...");
            });
        }

        public CancellationToken Token => _source.Token;

        public void Dispose()
        {
            _registration.Dispose();
            _source.Dispose();
        }
    }
}
