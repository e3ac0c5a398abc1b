using System.Text.Json.Nodes;
using OliveNet.Engine.Recipes;
using OliveNet.Engine.Workflows;

namespace OliveNet.Engine.Search;

/// <summary>
/// What a recipe resolves to before anything runs: its steps, the size of its search space and how to turn a point of the
/// space into a <see cref="CandidatePlan"/>. Deterministic: the same recipe gives the same plans in the same order on
/// every machine, which is what lets workers on other machines run a share of them (<see cref="Schedule"/>).
/// </summary>
internal sealed class SearchPlan
{
    private SearchPlan(Recipe recipe, SearchSpec? search)
    {
        Recipe = recipe;
        Search = search;
        Sizes = recipe.Passes.Select(s => search is null ? 1 : s.Alternatives.Count).ToList();
        Size = SpacePoints.Size(Sizes);
    }

    /// <summary>The recipe the plan came from.</summary>
    public Recipe Recipe { get; }

    /// <summary>The search settings; null for a recipe without search (one fixed plan).</summary>
    public SearchSpec? Search { get; }

    /// <summary>Alternatives per step.</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <summary>Points in the search space.</summary>
    public long Size { get; }

    /// <summary>Resolves a recipe's plan, refusing a search space above <c>max_space_size</c>.</summary>
    /// <exception cref="WorkflowFailedException">The space is larger than the recipe allows.</exception>
    public static SearchPlan Resolve(Recipe recipe)
    {
        var plan = new SearchPlan(recipe, recipe.Search);
        if (recipe.Search is { } search && plan.Size > search.MaxSpaceSize)
        {
            throw new WorkflowFailedException(
                $"the search space has {plan.Size} points ({string.Join(" × ", recipe.Passes.Select(s => $"{s.Name} {s.Alternatives.Count}"))}), above search_strategy.max_space_size {search.MaxSpaceSize}: fix some options, set include_pass_params: false, or raise max_space_size");
        }

        return plan;
    }

    /// <summary>The plan of a point (a choice per step, or per step of a prefix).</summary>
    public CandidatePlan Candidate(IReadOnlyList<int> point) => new(
        point.ToArray(),
        point.Select((choice, step) => (Recipe.Passes[step], Recipe.Passes[step].Alternatives[choice])).ToList(),
        Search is null ? "fixed plan" : Label(point));

    /// <summary>
    /// Every candidate a search proposes, in the order it proposes them, when that order does not depend on earlier
    /// results: a recipe without search (one plan), or a joint search with the sequential or random sampler, cut at
    /// max_iter and max_samples. Null for TPE and pass-by-pass, whose next candidate depends on the results so far;
    /// <paramref name="why"/> says so.
    /// </summary>
    public IReadOnlyList<CandidatePlan>? Schedule(out string? why)
    {
        why = null;
        if (Search is null)
        {
            return [Candidate(Sizes.Select(_ => 0).ToArray())];
        }

        if (Search.ExecutionOrder == "pass-by-pass")
        {
            why = "search_strategy.execution_order pass-by-pass picks each step's alternative from the results of the step before, so its candidates are not known in advance";
            return null;
        }

        if (Search.Sampler == "tpe")
        {
            why = "search_strategy.sampler tpe proposes each candidate from the results of the ones before it, so its candidates are not known in advance";
            return null;
        }

        var order = JointSearch.Sampler(Search, Sizes, (int)Size) is RandomSampler random ? random.Order : SpacePoints.All(Sizes);
        var count = new[] { Search.MaxIter, Search.MaxSamples }.Where(n => n > 0).DefaultIfEmpty(int.MaxValue).Min();
        return order.Take(count).Select(p => Candidate(p)).ToList();
    }

    /// <summary>Names the choices of steps that have alternatives, with the options that differ between them.</summary>
    private string Label(IReadOnlyList<int> point)
    {
        var parts = new List<string>();
        for (var step = 0; step < point.Count; step++)
        {
            var alternatives = Recipe.Passes[step].Alternatives;
            if (alternatives.Count == 1)
            {
                continue;
            }

            var chosen = alternatives[point[step]];
            var options = JsonNode.Parse(chosen.CanonicalOptions)!.AsObject();
            var differing = options.Where(kv => alternatives.Any(a => a.Pass != chosen.Pass
                    || JsonNode.Parse(a.CanonicalOptions)?[kv.Key]?.ToJsonString() != kv.Value?.ToJsonString()))
                .Where(kv => alternatives.Where(a => a.Pass == chosen.Pass).Any(a => JsonNode.Parse(a.CanonicalOptions)?[kv.Key]?.ToJsonString() != kv.Value?.ToJsonString()))
                .Select(kv => $"{kv.Key}={kv.Value?.ToJsonString().Trim('"')}");
            var detail = string.Join(",", differing);
            parts.Add($"{Recipe.Passes[step].Name}={chosen.Pass.Metadata.Id}{(detail.Length > 0 ? $"{{{detail}}}" : string.Empty)}");
        }

        return parts.Count == 0 ? "fixed plan" : string.Join(" ", parts);
    }
}
