using OliveNet.Engine.Evaluation;

namespace OliveNet.Engine.Tests.Evaluation;

public sealed class RankingTests
{
    private static readonly (string Key, bool HigherIsBetter)[] Objectives = [("acc", true), ("lat", false)];

    private static Dictionary<string, double> C(double acc, double lat) => new() { ["acc"] = acc, ["lat"] = lat };

    [Fact]
    public void Ranking_is_lexicographic_by_priority_with_directions()
    {
        var candidates = new[] { C(0.9, 10), C(0.95, 30), C(0.95, 20), C(0.8, 5) };

        var order = Enumerable.Range(0, 4).OrderBy(i => candidates[i], Comparer<Dictionary<string, double>>.Create((a, b) => Ranking.Compare(Objectives, a, b))).ToList();

        // Accuracy first (higher better), ties broken by latency (lower better).
        Assert.Equal([2, 1, 0, 3], order);
    }

    [Fact]
    public void The_pareto_frontier_keeps_candidates_no_other_dominates()
    {
        // (0.9, 10) and (0.95, 20) and (0.8, 5) trade off; (0.95, 30) is dominated by (0.95, 20); (0.85, 12) by (0.9, 10).
        var candidates = new IReadOnlyDictionary<string, double>[] { C(0.9, 10), C(0.95, 30), C(0.95, 20), C(0.8, 5), C(0.85, 12) };

        Assert.Equal([0, 2, 3], Ranking.ParetoFrontier(Objectives, candidates).Order());
    }
}
