using System.Diagnostics;
using OliveNet.Engine.Evaluation;
using OliveNet.Engine.Recipes;
using OliveNet.Engine.Reports;
using OliveNet.Engine.Workflows;

namespace OliveNet.Engine.Search;

/// <summary>
/// Olive's search: <c>joint</c> samples whole plans (a choice per step) until the space, max_samples, max_iter or
/// max_time runs out or (stop_when_goals_met) a candidate meets every goal; <c>pass-by-pass</c> tries each alternative of
/// one step at a time on the best prefix so far. Failed candidates are pruned. The best is the first goal-meeting
/// candidate in lexicographic priority order.
/// </summary>
internal sealed class SearchRunner(Recipe recipe, SearchSpec search, CandidateRunner runner, EvaluatorSpec evaluator, TextWriter progress)
{
    private readonly IReadOnlyList<(string Key, bool HigherIsBetter)> _objectives = Ranking.Objectives(evaluator);

    /// <summary>The one fixed plan of a run without search.</summary>
    public static SearchResult Single(Recipe recipe, CandidateRunner runner)
    {
        var plan = recipe.Passes.Select(s => (s, s.Alternatives[0])).ToList();
        var outcome = runner.Run(0, plan, "fixed plan", prune: false);
        return new SearchResult([outcome with { Row = outcome.Row with { Pareto = true } }], 0, null);
    }

    public SearchResult Run(CancellationToken cancellation)
    {
        var sizes = recipe.Passes.Select(s => s.Alternatives.Count).ToList();
        var size = SpacePoints.Size(sizes);
        if (size > search.MaxSpaceSize)
        {
            throw new WorkflowFailedException(
                $"the search space has {size} points ({string.Join(" × ", recipe.Passes.Select(s => $"{s.Name} {s.Alternatives.Count}"))}), above search_strategy.max_space_size {search.MaxSpaceSize}: fix some options, set include_pass_params: false, or raise max_space_size");
        }

        progress.WriteLine($"search: {search.ExecutionOrder}, {search.Sampler} sampler, {size} points");
        return search.ExecutionOrder == "pass-by-pass" ? PassByPass(sizes, (int)size, cancellation) : Joint(sizes, (int)size, cancellation);
    }

    private SearchResult Joint(List<int> sizes, int size, CancellationToken cancellation)
    {
        ISampler sampler = search.Sampler switch
        {
            "random" => new RandomSampler(sizes, search.Seed),
            "tpe" => new TpeSampler(sizes, search.Seed, Math.Max(2, Math.Min(5, size / 4))),
            _ => new SequentialSampler(sizes),
        };
        var clock = Stopwatch.StartNew();
        var tried = new List<int[]>();
        var outcomes = new List<CandidateOutcome>();
        var stop = "space exhausted";
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            if (search.MaxSamples > 0 && outcomes.Count(o => o.Row.Error is null) >= search.MaxSamples)
            {
                stop = $"max_samples {search.MaxSamples} reached";
                break;
            }

            if (search.MaxIter > 0 && tried.Count >= search.MaxIter)
            {
                stop = $"max_iter {search.MaxIter} reached";
                break;
            }

            if (search.MaxTime > 0 && clock.Elapsed.TotalSeconds >= search.MaxTime)
            {
                stop = $"max_time {search.MaxTime} s reached";
                break;
            }

            if (sampler.Next(tried, Ranks(outcomes)) is not { } point)
            {
                break;
            }

            tried.Add(point);
            var outcome = runner.Run(outcomes.Count, Plan(point), Label(point), prune: true);
            outcomes.Add(outcome);
            if (search.StopWhenGoalsMet && outcome.Row is { Error: null, GoalsMet: true })
            {
                stop = "a candidate met every goal (stop_when_goals_met)";
                break;
            }
        }

        progress.WriteLine($"search stopped: {stop}");
        return Finish(outcomes, outcomes, stop, size);
    }

    private SearchResult PassByPass(List<int> sizes, int size, CancellationToken cancellation)
    {
        var chosen = new int[sizes.Count];
        var outcomes = new List<CandidateOutcome>();
        var last = new List<CandidateOutcome>();
        for (var step = 0; step < sizes.Count; step++)
        {
            if (sizes[step] == 1 && step < sizes.Count - 1)
            {
                continue;
            }

            var round = new List<(int Choice, CandidateOutcome Outcome)>();
            for (var choice = 0; choice < sizes[step]; choice++)
            {
                cancellation.ThrowIfCancellationRequested();
                var point = chosen.ToArray();
                point[step] = choice;
                var prefix = point[..(step + 1)];
                var outcome = runner.Run(outcomes.Count, Plan(prefix), Label(prefix), prune: true);
                outcomes.Add(outcome);
                round.Add((choice, outcome));
            }

            // Olive advances from the best goal-meeting result, or the best overall when none meets the goals.
            var ranked = round.Where(r => r.Outcome.Row.Error is null).ToList();
            if (ranked.Count == 0)
            {
                progress.WriteLine($"search stopped: every alternative of {recipe.Passes[step].Name} failed");
                return Finish(outcomes, [], $"every alternative of {recipe.Passes[step].Name} failed", size);
            }

            var pick = ranked.Where(r => r.Outcome.Row.GoalsMet).DefaultIfEmpty().First().Outcome is null
                ? ranked.OrderBy(r => r.Outcome.Row.Metrics, Comparer()).First()
                : ranked.Where(r => r.Outcome.Row.GoalsMet).OrderBy(r => r.Outcome.Row.Metrics, Comparer()).First();
            chosen[step] = pick.Choice;
            last = round.Select(r => r.Outcome).ToList();
            progress.WriteLine($"pass-by-pass: {recipe.Passes[step].Name} → alternative {pick.Choice}");
        }

        return Finish(outcomes, last, "every step searched", size);
    }

    /// <summary>Marks the Pareto frontier among <paramref name="finalists"/> and picks the best goal-meeting one.</summary>
    private SearchResult Finish(List<CandidateOutcome> outcomes, List<CandidateOutcome> finalists, string stop, int size)
    {
        var evaluated = finalists.Where(o => o.Row.Error is null).ToList();
        var frontier = Ranking.ParetoFrontier(_objectives, evaluated.Select(o => o.Row.Metrics).ToList());
        var pareto = frontier.Select(i => evaluated[i].Row.Index).ToHashSet();
        var marked = outcomes.Select(o => o with { Row = o.Row with { Pareto = pareto.Contains(o.Row.Index) } }).ToList();
        var best = evaluated.Where(o => o.Row.GoalsMet).OrderBy(o => o.Row.Metrics, Comparer()).FirstOrDefault()
            ?? evaluated.OrderBy(o => o.Row.Metrics, Comparer()).FirstOrDefault();
        var row = new SearchRow(search.ExecutionOrder, search.Sampler, size, outcomes.Count, outcomes.Count(o => o.Row.Error is not null), stop, search.Seed);
        return new SearchResult(marked, best?.Row.Index, row) { Finalists = finalists.Select(o => o.Row.Index).ToHashSet() };
    }

    private Comparer<IReadOnlyDictionary<string, double>> Comparer() =>
        Comparer<IReadOnlyDictionary<string, double>>.Create((a, b) => Ranking.Compare(_objectives, a, b));

    /// <summary>Rank of each outcome: goal-meeting first, then by priority order; failed last.</summary>
    private List<int> Ranks(List<CandidateOutcome> outcomes)
    {
        var order = outcomes.Select((o, i) => (o, i))
            .OrderBy(x => x.o.Row.Error is null ? 0 : 1)
            .ThenBy(x => x.o.Row.GoalsMet ? 0 : 1)
            .ThenBy(x => x.o.Row.Metrics, Comparer())
            .Select(x => x.i).ToList();
        var ranks = new int[outcomes.Count];
        for (var r = 0; r < order.Count; r++)
        {
            ranks[order[r]] = r;
        }

        return [.. ranks];
    }

    private List<(PassStep, PassChoice)> Plan(int[] point) =>
        point.Select((choice, step) => (recipe.Passes[step], recipe.Passes[step].Alternatives[choice])).ToList();

    /// <summary>Names the choices of steps that have alternatives, with the options that differ between them.</summary>
    private string Label(int[] point)
    {
        var parts = new List<string>();
        for (var step = 0; step < point.Length; step++)
        {
            var alternatives = recipe.Passes[step].Alternatives;
            if (alternatives.Count == 1)
            {
                continue;
            }

            var chosen = alternatives[point[step]];
            var options = System.Text.Json.Nodes.JsonNode.Parse(chosen.CanonicalOptions)!.AsObject();
            var differing = options.Where(kv => alternatives.Any(a => a.Pass != chosen.Pass
                    || System.Text.Json.Nodes.JsonNode.Parse(a.CanonicalOptions)?[kv.Key]?.ToJsonString() != kv.Value?.ToJsonString()))
                .Where(kv => alternatives.Where(a => a.Pass == chosen.Pass).Any(a => System.Text.Json.Nodes.JsonNode.Parse(a.CanonicalOptions)?[kv.Key]?.ToJsonString() != kv.Value?.ToJsonString()))
                .Select(kv => $"{kv.Key}={kv.Value?.ToJsonString().Trim('"')}");
            var detail = string.Join(",", differing);
            parts.Add($"{recipe.Passes[step].Name}={chosen.Pass.Metadata.Id}{(detail.Length > 0 ? $"{{{detail}}}" : string.Empty)}");
        }

        return parts.Count == 0 ? "fixed plan" : string.Join(" ", parts);
    }
}
