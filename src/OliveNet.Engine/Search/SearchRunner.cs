using OliveNet.Engine.Evaluation;
using OliveNet.Engine.Reports;
using OliveNet.Engine.Workflows;

namespace OliveNet.Engine.Search;

/// <summary>
/// Drives a search: asks the strategy for candidates, has the <see cref="CandidateRunner"/> execute each one (passes
/// through the cache, then evaluation) and tells the strategy how it did. The report rows are built once, at the end,
/// from the results. Failed candidates are pruned; without search a failure fails the run.
/// </summary>
internal sealed class SearchRunner(SearchPlan plan, CandidateRunner runner, IReadOnlyList<ResolvedGoal> goals, EvaluatorSpec? evaluator, TextWriter progress)
{
    private readonly IReadOnlyList<(string Key, bool HigherIsBetter)> _objectives = evaluator is null ? [] : Ranking.Objectives(evaluator);

    /// <summary>The strategy the recipe asks for.</summary>
    public ISearchStrategy Strategy() => plan.Search switch
    {
        null => new FixedPlan(plan),
        { ExecutionOrder: "pass-by-pass" } => new PassByPassSearch(plan, _objectives, progress),
        _ => new JointSearch(plan, _objectives),
    };

    public SearchResult Run(CancellationToken cancellation)
    {
        if (plan.Search is { } search)
        {
            progress.WriteLine($"search: {search.ExecutionOrder}, {search.Sampler} sampler, {plan.Size} points");
        }

        var strategy = Strategy();
        var results = new List<CandidateResult>();
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            if (strategy.Propose() is not { } candidate)
            {
                break;
            }

            var result = runner.Run(results.Count, candidate, prune: plan.Search is not null);
            results.Add(result);
            var row = result.Row(goals);
            strategy.Receive(new CandidateVerdict(result.Index, candidate, row.Error is not null, row.GoalsMet, row.Metrics));
        }

        if (plan.Search is null)
        {
            var single = results[0].Outcome(goals);
            return new SearchResult([single with { Row = single.Row with { Pareto = true } }], 0, null);
        }

        progress.WriteLine($"search stopped: {strategy.Stop}");
        return Finish(results.Select(r => r.Outcome(goals)).ToList(), strategy.Finalists, strategy.Stop);
    }

    /// <summary>Marks the Pareto frontier among the finalists and picks the best goal-meeting one.</summary>
    private SearchResult Finish(List<CandidateOutcome> outcomes, IReadOnlySet<int>? finalists, string stop)
    {
        var search = plan.Search!;
        var comparer = Comparer<IReadOnlyDictionary<string, double>>.Create((a, b) => Ranking.Compare(_objectives, a, b));
        var evaluated = outcomes.Where(o => o.Row.Error is null && (finalists?.Contains(o.Row.Index) ?? true)).ToList();
        var frontier = Ranking.ParetoFrontier(_objectives, evaluated.Select(o => o.Row.Metrics).ToList());
        var pareto = frontier.Select(i => evaluated[i].Row.Index).ToHashSet();
        var marked = outcomes.Select(o => o with { Row = o.Row with { Pareto = pareto.Contains(o.Row.Index) } }).ToList();
        var best = evaluated.Where(o => o.Row.GoalsMet).OrderBy(o => o.Row.Metrics, comparer).FirstOrDefault()
            ?? evaluated.OrderBy(o => o.Row.Metrics, comparer).FirstOrDefault();
        var row = new SearchRow(search.ExecutionOrder, search.Sampler, (int)plan.Size, outcomes.Count, outcomes.Count(o => o.Row.Error is not null), stop, search.Seed);
        return new SearchResult(marked, best?.Row.Index, row)
        {
            Finalists = (finalists ?? outcomes.Select(o => o.Row.Index)).ToHashSet(),
        };
    }
}
