using System.Diagnostics;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Assets;
using OliveNet.Engine.Caching;
using OliveNet.Engine.Evaluation;
using OliveNet.Engine.Reports;
using OliveNet.Engine.Search;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Onnx;
using OliveNet.Runtime;

namespace OliveNet.Engine.Workflows;

/// <summary>
/// Runs a validated recipe: resolves the input model, runs each pass through the cache (reusing finished runs),
/// and publishes the final model with its manifest.
/// </summary>
public sealed partial class WorkflowRunner
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
        using var observing = RunProgress.Observe(settings.Observer);
        var plan = SearchPlan.Resolve(recipe);
        var run = Prepare(recipe, settings, clean: true);
        var (input, evaluator, warnings) = (run.Input, run.Evaluator, run.Warnings);
        IReadOnlyDictionary<string, double>? baseline = null;
        if (evaluator is not null && input.IsCheckpoint)
        {
            // A checkpoint has no ONNX model to evaluate before ModelBuilder runs: relative goals have no baseline.
            if (run.NeedsBaseline)
            {
                throw new WorkflowFailedException(
                    $"input_model {recipe.InputModel.Reference} is a Hugging Face checkpoint, which cannot be evaluated before export; " +
                    "use threshold goals (type: threshold) for its metrics, or export it first and start the recipe from the ONNX model");
            }

            progress.WriteLine("input model: a checkpoint, not evaluated (there is no ONNX model before ModelBuilder)");
        }
        else if (evaluator is not null && (recipe.EvaluateInputModel || run.NeedsBaseline))
        {
            baseline = EvaluateInput(run, progress, cancellation);
        }

        var goals = evaluator is null ? [] : Goals.Resolve(evaluator.Evaluator, baseline);
        foreach (var goal in goals)
        {
            progress.WriteLine($"goal {goal.Key} {goal.Describe()}");
        }

        var result = new SearchRunner(plan, run.Runner(cancellation), goals, evaluator?.Evaluator, progress).Run(cancellation);

        cancellation.ThrowIfCancellationRequested();
        var decision = WinnerDecision.Decide(result, input, evaluator, goals, baseline, progress, cancellation);
        result = decision.Result;
        var best = result.Best is { } b ? result.Outcomes.Single(o => o.Row.Index == b) : null;
        var published = best is not null && (best.Row.GoalsMet || (recipe.Search is null && !recipe.Gate));
        var report = ReportBuilder.Build(recipe, input, run.Target, warnings, evaluator?.Evaluator, decision, published, started.Elapsed.TotalMilliseconds);
        var final = best?.Artifact ?? input;
        var summary = new RunSummary(recipe.WorkflowId, recipe.OutputDir, input.Id, final.Id, best?.Runs ?? [], recipe.Notes, started.Elapsed.TotalMilliseconds)
        {
            Target = run.Target,
            Warnings = warnings,
            Published = published,
            Report = report,
        };
        if (published)
        {
            // Without an evaluator there is nothing to report: no metrics, goals or candidates to compare.
            Publisher.Publish(recipe, input, final, summary, evaluator is null ? null : folder => ReportWriter.Write(folder, report, recipe.ModelCardTemplate));
            progress.WriteLine($"published {recipe.OutputDir}");
        }
        else
        {
            Publisher.PublishReportsOnly(recipe, folder => ReportWriter.Write(folder, report, recipe.ModelCardTemplate));
            progress.WriteLine($"no candidate met the goals: nothing published; reports in {recipe.OutputDir}");
        }

        return summary;
    }

    /// <summary>
    /// What every run needs before candidates execute: the cache, the target, the input model, the data folders that
    /// passes read and the evaluator. <paramref name="clean"/> honours clean_cache and clean_evaluation_cache.
    /// </summary>
    private Prepared Prepare(Recipe recipe, RunSettings settings, bool clean)
    {
        var progress = settings.Progress;
        var cache = ArtifactCache.Open(recipe.CacheDir, recipe.SharedCache, recipe.WorkflowId, progress);
        if (clean && recipe.CleanCache)
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

        if (UncheckedQuality(recipe) is { } quality)
        {
            warnings.Add(quality);
            progress.WriteLine($"warning: {quality}");
        }

        var input = ResolveInput(recipe, progress);
        PassData.Write(recipe, input, progress);
        var evaluations = new EvaluationCache(cache.Root, cache.Shared);
        if (clean && recipe.CleanEvaluationCache)
        {
            evaluations.Clear();
        }

        var evaluator = recipe.Evaluator is { } spec
            ? new ModelEvaluator(spec, recipe.DataConfigs, runTarget, evaluations, _locator, progress)
            : null;
        var needsBaseline = evaluator is not null && evaluator.Evaluator.SubMetrics.Any(s => s.Sub.Goal is { NeedsBaseline: true } && s.Sub.Ranked);
        return new Prepared(recipe, settings, cache, runTarget, warnings, input, evaluator, needsBaseline);
    }

    /// <summary>Evaluates the input model (through the evaluation cache): the baseline of relative goals.</summary>
    private static IReadOnlyDictionary<string, double> EvaluateInput(Prepared run, TextWriter progress, CancellationToken cancellation)
    {
        progress.WriteLine($"evaluating the input model ({run.Input.Id[..12]})");
        IReadOnlyDictionary<string, double> baseline;
        using (RunProgress.Step("evaluating the input model"))
        {
            baseline = run.Evaluator!.Evaluate(run.Input, run.Input, cancellation).Values;
        }

        progress.WriteLine($"input model: {CandidateRunner.Format(baseline, run.Evaluator!)}");
        return baseline;
    }

    /// <summary>A run's prepared state.</summary>
    private sealed record Prepared(
        Recipe Recipe, RunSettings Settings, ArtifactCache Cache, Target Target, List<string> Warnings, ModelArtifact Input, ModelEvaluator? Evaluator, bool NeedsBaseline)
    {
        public CandidateRunner Runner(CancellationToken cancellation) =>
            new(Cache, Target, Input, Evaluator, Settings, new LossyPassCheck(Recipe, Target, Settings.Progress), Recipe.MinFidelity, cancellation);
    }

    /// <summary>A warning when lossy passes run and no metric scores quality (accuracy, perplexity, fidelity or an LMEvaluator task).</summary>
    internal static string? UncheckedQuality(Recipe recipe)
    {
        var lossy = recipe.Passes.Where(s => s.Alternatives.Any(a => a.Pass.Metadata.Lossy)).Select(s => s.Name).ToList();
        var scored = recipe.Evaluator?.Metrics.Any(m => m.Type is "accuracy" or "fidelity" or Evaluation.MmluTask.MetricType) ?? false;
        return lossy.Count == 0 || scored
            ? null
            : $"quality is unchecked: the lossy pass(es) {string.Join(", ", lossy)} run but no accuracy metric scores the result; only the fidelity check against each pass's input "
              + $"(min_fidelity {recipe.MinFidelity.ToString(System.Globalization.CultureInfo.InvariantCulture)}) guards it. Add an evaluator with an accuracy metric on labelled data";
    }

    /// <summary>
    /// Runs one pass, cancelling it when its timeout passes. Timeouts are cooperative: a pass stops at its next
    /// cancellation check, so one long ONNX Runtime call finishes first.
    /// </summary>
    internal static void RunPass(PassChoice choice, PassContext context)
    {
        if (!choice.Pass.Metadata.AllComponents && !context.Input.IsCheckpoint && ModelComponents.Others(context.Input.ModelPath) is { Count: > 0 } others)
        {
            throw new PassFailedException(
                $"this model has {others.Count + 1} ONNX components ({ModelArtifact.ModelFileName}, {string.Join(", ", others)}; see its {ModelComponents.GenAiConfigFileName}) "
                + $"and {choice.Pass.Metadata.Id} rewrites only {ModelArtifact.ModelFileName}, so the others would be published unchanged. "
                + "The block-wise weight quantizations (OnnxKQuantQuantization, OnnxBlockWiseRtnQuantization, OnnxHqqQuantization) rewrite every component.");
        }

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

    /// <summary>
    /// An HfModel input: a checkpoint folder. The passes up to the export must read checkpoints (Rtn, Gptq,
    /// SelectiveMixedPrecision write one again); ModelBuilder turns it into an ONNX model, GgufExport into a GGUF file.
    /// </summary>
    private static ModelArtifact ResolveCheckpoint(Recipe recipe, TextWriter progress)
    {
        const string Export = "ModelBuilder or GgufExport";
        var position = 0;
        foreach (var slot in recipe.Passes)
        {
            position++;
            var wrong = slot.Alternatives.Select(a => a.Pass.Metadata).FirstOrDefault(m => !m.ReadsCheckpoint);
            if (wrong is not null)
            {
                throw new WorkflowFailedException(
                    $"input_model {recipe.InputModel.Reference} is a Hugging Face checkpoint, which only the {Export} pass reads (after Rtn, Gptq or SelectiveMixedPrecision, which quantize the checkpoint), "
                    + $"but pass {position} is {slot.Name} ({wrong.Id}); add a {Export} pass before it");
            }

            if (slot.Alternatives.Select(a => a.Pass.Metadata.WritesCheckpoint).Distinct().Count() > 1)
            {
                throw new WorkflowFailedException($"pass {slot.Name}: its alternatives mix checkpoint passes and exports; search over one kind per pass");
            }

            if (!slot.Alternatives[0].Pass.Metadata.WritesCheckpoint)
            {
                break;
            }
        }

        if (recipe.Passes.Count == 0 || recipe.Passes.All(slot => slot.Alternatives.All(a => a.Pass.Metadata.WritesCheckpoint)))
        {
            throw new WorkflowFailedException(
                $"input_model {recipe.InputModel.Reference} is a Hugging Face checkpoint, which only the {Export} pass reads, but the recipe has "
                + (recipe.Passes.Count == 0 ? "no passes" : "no pass that exports it") + $"; add a {Export} pass");
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
