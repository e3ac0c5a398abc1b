using OliveNet.Engine.Evaluation;

namespace OliveNet.Engine.Tests.Evaluation;

public sealed class SelectionTests
{
    private static readonly (string Key, bool HigherIsBetter)[] Objectives = [("acc", true), ("lat", false)];

    private static SelectionEntry E(int index, double acc, double lat, double spread, long bytes, params int[] order) =>
        new(index, new Dictionary<string, double> { ["acc"] = acc, ["lat"] = lat }, new Dictionary<string, double> { ["lat"] = spread }, bytes, order);

    [Fact]
    public void Two_candidates_whose_latencies_differ_by_less_than_the_measured_spread_tie_and_the_smaller_one_wins()
    {
        // 10.0 ms ± 0.5 and 10.7 ms ± 0.3: the intervals [9.5, 10.5] and [10.4, 11.0] overlap (the 0.7 ms gap is within
        // 0.5 + 0.3), so latency cannot decide. Candidate 1 is the faster one but the bigger one on disk: the size rule
        // decides, for candidate 0.
        var entries = new[] { E(0, 0.9, 10.7, 0.3, 1000, 0, 0), E(1, 0.9, 10.0, 0.5, 1200, 0, 1) };

        var (winner, steps) = Selection.Choose(Objectives, entries);

        Assert.Equal(0, winner);
        Assert.Equal(["priority", "priority", "size"], steps.Select(s => s.Rule));
        Assert.True(steps[1].Tie);
        Assert.Contains("intervals overlap", steps[1].Text, StringComparison.Ordinal);
        Assert.Equal([0], steps[2].Left);
    }

    [Fact]
    public void A_tie_on_every_metric_and_on_size_goes_to_the_alternative_declared_first()
    {
        // Both the same size; candidate 5 was tried first but is the recipe's second alternative (order [0, 1]).
        var entries = new[] { E(5, 0.9, 10.0, 1, 1000, 0, 1), E(6, 0.9, 10.2, 1, 1000, 0, 0) };

        var (winner, steps) = Selection.Choose(Objectives, entries);

        Assert.Equal(6, winner);
        Assert.Equal("declaration", steps[^1].Rule);
    }

    [Fact]
    public void A_gap_larger_than_both_spreads_together_is_decided_by_the_metric_whatever_the_order_given()
    {
        // 8.0 ± 0.5 and 9.1 ± 0.5: a 1.1 ms gap, more than 0.5 + 0.5.
        var fast = E(0, 0.9, 8.0, 0.5, 2000, 1);
        var slow = E(1, 0.9, 9.1, 0.5, 1000, 0);

        Assert.Equal(0, Selection.Choose(Objectives, [fast, slow]).Winner);
        Assert.Equal(0, Selection.Choose(Objectives, [slow, fast]).Winner);
        Assert.False(Selection.Choose(Objectives, [slow, fast]).Steps.Single(s => s.Key == "lat").Tie);
    }

    [Fact]
    public void Exact_metrics_are_compared_exactly_before_timing_is_looked_at()
    {
        // Accuracy has no spread: 0.9 beats 0.89 however fast the other is.
        var entries = new[] { E(0, 0.89, 5.0, 0.1, 100, 0), E(1, 0.9, 50.0, 0.1, 100, 1) };

        var (winner, steps) = Selection.Choose(Objectives, entries);

        Assert.Equal(1, winner);
        Assert.Single(steps);
        Assert.False(steps[0].Tie);
    }

    [Fact]
    public void A_timing_goal_missed_by_less_than_the_spread_counts_as_met_and_a_larger_miss_does_not()
    {
        var goal = new ResolvedGoal("lat", new GoalSpec("percent-max-degradation", 10), 11.0, false, 2, 10.0);

        Assert.True(goal.IsMet(11.4, 0.5));
        Assert.True(goal.IsMet(11.5, 0.5));
        Assert.False(goal.IsMet(11.6, 0.5));
        Assert.False(goal.IsMet(11.4));
    }
}
