using System.Diagnostics;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Assets;
using OliveNet.Engine.Caching;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Onnx;
using OliveNet.Runtime;

namespace OliveNet.Engine.Workflows;

/// <summary>
/// Runs a validated recipe: resolves the input model, runs each pass through the cache (reusing finished runs),
/// and publishes the final model with its manifest.
/// </summary>
public sealed class WorkflowRunner
{
    private readonly ModelLocator _locator;

    /// <summary>Creates a runner that resolves model references with <paramref name="locator"/>.</summary>
    public WorkflowRunner(ModelLocator? locator = null)
    {
        _locator = locator ?? new ModelLocator();
    }

    /// <summary>Runs the recipe end to end.</summary>
    /// <exception cref="WorkflowFailedException">A pass failed or the input model is unusable.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled; finished cache entries stay valid.</exception>
    public RunSummary Run(Recipe recipe, RunSettings settings, CancellationToken cancellation = default)
    {
        var started = Stopwatch.StartNew();
        var progress = settings.Progress;
        var cache = new ArtifactCache(Path.Combine(recipe.CacheDir, recipe.WorkflowId));
        if (recipe.CleanCache)
        {
            progress.WriteLine($"clean_cache: deleting {cache.Root}");
            cache.Clear();
        }

        foreach (var note in recipe.Notes)
        {
            progress.WriteLine($"note: {note}");
        }

        var warnings = new List<string>();
        var runTarget = TargetCheck.Resolve(recipe.Target, warnings);
        foreach (var warning in warnings)
        {
            progress.WriteLine($"warning: {warning}");
        }

        var input = ResolveInput(recipe, progress);
        var current = input;
        var runs = new List<PassRunSummary>();
        foreach (var (step, index) in recipe.Passes.Select((s, i) => (s, i)))
        {
            cancellation.ThrowIfCancellationRequested();
            settings.Observer?.PassStarted(index, recipe.Passes.Count, step.Name, step.Alternatives[0].Pass.Metadata.Id);
            var choice = step.Alternatives[0];
            var meta = choice.Pass.Metadata;
            var target = meta.TargetAgnostic ? null : $"{runTarget.Device}/{runTarget.ExecutionProvider}";
            var key = CacheKey.Compute(current.Id, meta.Id, meta.Version, choice.CanonicalOptions, target, EngineInfo.Version, OrtRuntime.Version);
            progress.WriteLine($"pass {step.Name} ({meta.Id}): key {key[..12]}");
            var parent = current;
            var outcome = cache.GetOrRun(
                key,
                () => new CacheRecord
                {
                    Key = key,
                    Status = "running",
                    Pass = meta.Id,
                    PassVersion = meta.Version,
                    Options = System.Text.Json.Nodes.JsonNode.Parse(choice.CanonicalOptions),
                    ParentId = parent.Id,
                    Target = target,
                    DurationMs = 0,
                    FinishedUtc = string.Empty,
                    OliveNetVersion = EngineInfo.Version,
                    OnnxRuntimeVersion = OrtRuntime.Version,
                },
                folder => RunPass(choice, new PassContext(parent, folder, runTarget, progress, cancellation)),
                settings.RetryFailed,
                progress,
                cancellation);

            settings.Observer?.PassFinished(step.Name, meta.Id, outcome.Hit);
            if (outcome.Artifact is null)
            {
                var again = outcome.Hit ? " (recorded by an earlier run; rerun without --no-retry-failed to try again)" : string.Empty;
                throw new WorkflowFailedException($"pass {step.Name} ({meta.Id}) failed: {outcome.Record.Error}{again}");
            }

            progress.WriteLine(outcome.Hit
                ? $"pass {step.Name} ({meta.Id}): reused from cache"
                : $"pass {step.Name} ({meta.Id}): done in {outcome.Record.DurationMs / 1000:0.00} s");
            runs.Add(new PassRunSummary(step.Name, meta.Id, key, outcome.Artifact.Id, outcome.Hit, outcome.Hit ? 0 : outcome.Record.DurationMs));
            current = outcome.Artifact;
        }

        cancellation.ThrowIfCancellationRequested();
        var summary = new RunSummary(recipe.WorkflowId, recipe.OutputDir, input.Id, current.Id, runs, recipe.Notes, started.Elapsed.TotalMilliseconds)
        {
            Target = runTarget,
            Warnings = warnings,
        };
        Publisher.Publish(recipe, input, current, summary);
        progress.WriteLine($"published {recipe.OutputDir}");
        return summary;
    }

    /// <summary>
    /// Runs one pass, cancelling it when its timeout passes. Timeouts are cooperative: a pass stops at its next
    /// cancellation check, so one long ONNX Runtime call finishes first.
    /// </summary>
    private static void RunPass(PassChoice choice, PassContext context)
    {
        if (choice.Timeout is not { } timeout)
        {
            choice.Pass.Run(context, choice.Options);
            return;
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
        timer.CancelAfter(timeout);
        try
        {
            choice.Pass.Run(new PassContext(context.Input, context.OutputFolder, context.Target, context.Log, timer.Token), choice.Options);
        }
        catch (OperationCanceledException) when (!context.Cancellation.IsCancellationRequested)
        {
            throw new PassFailedException($"did not finish within its timeout of {timeout.TotalSeconds:0.###} s");
        }
    }

    private ModelArtifact ResolveInput(Recipe recipe, TextWriter progress)
    {
        if (recipe.InputModel.Type == "HfModel")
        {
            return ResolveCheckpoint(recipe, progress);
        }

        var path = _locator.Resolve(recipe.InputModel.Path, progress);
        try
        {
            return new ModelArtifact(path, ArtifactHasher.HashModel(path));
        }
        catch (OnnxFormatException e)
        {
            throw new WorkflowFailedException($"input_model {recipe.InputModel.Reference}: {e.Message}", e);
        }
    }

    /// <summary>An HfModel input: a checkpoint folder whose only reader is the ModelBuilder pass, which must come first.</summary>
    private static ModelArtifact ResolveCheckpoint(Recipe recipe, TextWriter progress)
    {
        const string Export = "ModelBuilder";
        var first = recipe.Passes.Count == 0 ? null : recipe.Passes[0];
        var wrong = first?.Alternatives.Select(a => a.Pass.Metadata.Id).FirstOrDefault(id => id != Export);
        if (first is null || wrong is not null)
        {
            throw new WorkflowFailedException(
                $"input_model {recipe.InputModel.Reference} is a Hugging Face checkpoint, which only the {Export} pass reads, but the first pass is "
                + (first is null ? "missing" : $"{first.Name} ({wrong})") + $"; add a {Export} pass before the others");
        }

        progress.WriteLine($"input_model: Hugging Face checkpoint {recipe.InputModel.Path}");
        try
        {
            return ModelArtifact.Checkpoint(recipe.InputModel.Path);
        }
        catch (IOException e)
        {
            throw new WorkflowFailedException($"input_model {recipe.InputModel.Reference}: cannot read the checkpoint folder {recipe.InputModel.Path}: {e.Message}", e);
        }
    }
}
