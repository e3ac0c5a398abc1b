using System.Diagnostics;
using OliveNet.Engine.Recipes;
using OliveNet.Engine.Search;

namespace OliveNet.Engine.Workflows;

public sealed partial class WorkflowRunner
{
    /// <summary>
    /// Runs one shard of the recipe's candidates into the cache—their passes, fidelity checks and evaluations—and
    /// publishes nothing. A later <see cref="Run"/> without a shard gathers: it finds every finished pass and evaluation
    /// in the cache and publishes what a run in one process publishes. Shards may run at the same time on machines
    /// sharing the cache, and twice (duplicate delivery): the cache lets one writer win per key and the other reuse it.
    /// Shard 0 also evaluates the input model when the goals need a baseline.
    /// </summary>
    /// <exception cref="ShardException">The search proposes candidates from earlier results (TPE, pass-by-pass), or the
    /// recipe cleans the cache, which would delete what other workers wrote.</exception>
    /// <exception cref="WorkflowFailedException">The input model is unusable, or the one fixed plan of a recipe without search failed.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled; finished cache entries stay valid.</exception>
    public ShardSummary RunShard(Recipe recipe, Shard shard, RunSettings settings, CancellationToken cancellation = default)
    {
        var started = Stopwatch.StartNew();
        var progress = settings.Progress;
        using var observing = RunProgress.Observe(settings.Observer);
        if (recipe.CleanCache || recipe.CleanEvaluationCache)
        {
            var key = recipe.CleanCache ? "clean_cache" : "clean_evaluation_cache";
            throw new ShardException(
                $"--shard {shard}: the recipe sets {key}: true, which would delete what the other workers write into the shared cache; run the workers with --set {key}=false (clean the cache once beforehand with `olivenet cache prune` if you need a fresh one)");
        }

        var plan = SearchPlan.Resolve(recipe);
        var schedule = Schedule(plan, shard);
        var mine = schedule.Select((candidate, position) => (Candidate: candidate, Position: position)).Where(c => shard.Owns(c.Position)).ToList();
        progress.WriteLine($"shard {shard}: {mine.Count} of {schedule.Count} candidate(s): {(mine.Count == 0 ? "none" : string.Join(", ", mine.Select(c => c.Position)))}");
        if (plan.Search is { StopWhenGoalsMet: true })
        {
            progress.WriteLine("note: stop_when_goals_met: a worker runs all its candidates; the gathering run stops where a run in one process would");
        }

        if (plan.Search is { MaxTime: > 0 })
        {
            progress.WriteLine("note: max_time: workers run their whole share; the gathering run, reading from the cache, may get further in max_time than a run in one process");
        }

        var run = Prepare(recipe, settings, clean: false);
        var evaluateInput = shard.Index == 0 && run.Evaluator is not null && !run.Input.IsCheckpoint && (recipe.EvaluateInputModel || run.NeedsBaseline);
        if (evaluateInput)
        {
            EvaluateInput(run, progress, cancellation);
        }

        var runner = run.Runner(cancellation);
        var done = new List<ShardCandidate>();
        foreach (var (candidate, position) in mine)
        {
            cancellation.ThrowIfCancellationRequested();
            progress.WriteLine($"candidate {position}: {candidate.Label}");
            var result = runner.Run(position, candidate, prune: plan.Search is not null);
            done.Add(new ShardCandidate(
                position, candidate.Label, result.Runs.Count(r => !r.CacheHit), result.Runs.Count(r => r.CacheHit), result.Error is null ? result.Artifact?.Id : null, result.Error));
        }

        return new ShardSummary(shard, run.Cache.Root, schedule.Count, done, evaluateInput, started.Elapsed.TotalMilliseconds);
    }

    /// <summary>The candidates <paramref name="shard"/> would run (index in proposal order, label), running nothing: for <c>--dry-run</c>.</summary>
    /// <exception cref="ShardException">The search cannot be sharded.</exception>
    /// <exception cref="WorkflowFailedException">The search space is larger than max_space_size.</exception>
    public static IReadOnlyList<(int Index, string Label)> Assigned(Recipe recipe, Shard shard) =>
        Schedule(SearchPlan.Resolve(recipe), shard).Select((c, position) => (position, c.Label)).Where(c => shard.Owns(c.position)).ToList();

    private static IReadOnlyList<CandidatePlan> Schedule(SearchPlan plan, Shard shard) =>
        plan.Schedule(out var why)
        ?? throw new ShardException($"--shard {shard}: {why}; run this search in one process (olivenet run without --shard), or use search_strategy with execution_order: joint and sampler: sequential or random");
}
