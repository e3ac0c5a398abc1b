using OliveNet.Engine.Evaluation;

namespace OliveNet.Engine.Tests.Evaluation;

/// <summary>Olive's goal arithmetic, each case worked by hand in its comment.</summary>
public sealed class GoalsTests
{
    // Bounds are sums and products of short decimals; 1e-12 absorbs their binary rounding.
    private const double Tolerance = 1e-12;

    [Theory]
    // accuracy 0.90, higher is better (m = +1)
    [InlineData("threshold", 0.85, true, 0.90, 0.85)]                 // g = v
    [InlineData("max-degradation", 0.01, true, 0.90, 0.89)]           // 0.90 − 0.01
    [InlineData("min-improvement", 0.02, true, 0.90, 0.92)]           // 0.90 + 0.02
    [InlineData("percent-max-degradation", 10, true, 0.90, 0.81)]     // 0.90 × (1 − 0.10)
    [InlineData("percent-min-improvement", 10, true, 0.90, 0.99)]     // 0.90 × (1 + 0.10)
    // latency 200 ms, lower is better (m = −1)
    [InlineData("threshold", 150, false, 200, 150)]
    [InlineData("max-degradation", 20, false, 200, 220)]              // 200 + 20: may get 20 ms slower
    [InlineData("min-improvement", 20, false, 200, 180)]              // 200 − 20: must get 20 ms faster
    [InlineData("percent-max-degradation", 10, false, 200, 220)]      // 200 × (1 + 0.10)
    [InlineData("percent-min-improvement", 20, false, 200, 160)]      // 200 × (1 − 0.20)
    public void Bounds_follow_Olives_formulas(string type, double value, bool higherIsBetter, double baseline, double expected)
    {
        Assert.Equal(expected, Goals.Bound(new GoalSpec(type, value), higherIsBetter, baseline), Tolerance);
    }

    [Fact]
    public void A_goal_is_met_inclusively_in_the_metrics_direction()
    {
        var accuracy = new ResolvedGoal("acc", new GoalSpec("max-degradation", 0.01), 0.89, true, 1, 0.90);
        var latency = new ResolvedGoal("lat", new GoalSpec("percent-min-improvement", 20), 160, false, 2, 200);

        Assert.True(accuracy.IsMet(0.89));
        Assert.False(accuracy.IsMet(0.8899));
        Assert.True(latency.IsMet(160));
        Assert.False(latency.IsMet(160.5));
    }

    [Fact]
    public void Goals_resolve_against_the_baseline_only_for_ranked_sub_types()
    {
        var evaluator = new EvaluatorSpec("e",
        [
            new MetricSpec("accuracy", "accuracy", [new SubMetricSpec("exact_match", 1, true, new GoalSpec("max-degradation", 0.025), [])], "d", [], "{}"),
            new MetricSpec("latency", "latency",
            [
                new SubMetricSpec("avg", 2, false, new GoalSpec("percent-min-improvement", 25), []),
                new SubMetricSpec("p90", -1, false, new GoalSpec("threshold", 1), []),
            ], "d", [], "{}"),
        ], "[]");
        var baseline = new Dictionary<string, double> { ["accuracy-exact_match"] = 0.975, ["latency-avg"] = 40, ["latency-p90"] = 50 };

        var goals = Goals.Resolve(evaluator, baseline);

        Assert.Equal(["accuracy-exact_match", "latency-avg"], goals.Select(g => g.Key));
        Assert.Equal(0.95, goals[0].Bound, Tolerance);   // 0.975 − 0.025: one line of 40
        Assert.Equal(30, goals[1].Bound, Tolerance);     // 40 × (1 − 0.25)
        var verdicts = Goals.Check(goals, new Dictionary<string, double> { ["accuracy-exact_match"] = 0.95, ["latency-avg"] = 31 });
        Assert.True(verdicts[0].Met);
        Assert.False(verdicts[1].Met);
        Assert.False(Goals.Check(goals, new Dictionary<string, double>())[0].Met);
    }

    [Fact]
    public void A_relative_goal_without_a_baseline_is_an_error()
    {
        var evaluator = new EvaluatorSpec("e", [new MetricSpec("size", "size_on_disk", [new SubMetricSpec("bytes", 1, false, new GoalSpec("min-improvement", 1), [])], null, [], "{}")], "[]");

        Assert.Throws<InvalidOperationException>(() => Goals.Resolve(evaluator, null));
    }

    [Theory]
    [InlineData("max-degradation", -1, true, "0 or more")]
    [InlineData("percent-max-degradation", 120, true, "at most 100")]
    [InlineData("percent-min-improvement", 120, false, "at most 100")]
    [InlineData("at-least", 1, true, "not a goal type")]
    public void Invalid_goal_values_are_refused(string type, double value, bool higherIsBetter, string message)
    {
        Assert.Contains(message, Goals.Validate(new GoalSpec(type, value), higherIsBetter), StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_goal_values_pass_validation()
    {
        Assert.Null(Goals.Validate(new GoalSpec("percent-min-improvement", 150), true));
        Assert.Null(Goals.Validate(new GoalSpec("threshold", 0), false));
    }
}
