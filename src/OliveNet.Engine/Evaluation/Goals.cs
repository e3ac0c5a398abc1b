namespace OliveNet.Engine.Evaluation;

/// <summary>A goal turned into an absolute bound on one result key.</summary>
/// <param name="Key">The result key (<c>metric-subtype</c>).</param>
/// <param name="Goal">The goal as written.</param>
/// <param name="Bound">The value the metric must reach (≥ when higher is better, ≤ otherwise).</param>
/// <param name="HigherIsBetter">Direction.</param>
/// <param name="Priority">The sub-type's priority.</param>
/// <param name="Baseline">The input model's value the bound was derived from; null for thresholds.</param>
public sealed record ResolvedGoal(string Key, GoalSpec Goal, double Bound, bool HigherIsBetter, int Priority, double? Baseline)
{
    /// <summary>Whether <paramref name="value"/> meets the bound (inclusive, as Olive compares).</summary>
    public bool IsMet(double value) => HigherIsBetter ? value >= Bound : value <= Bound;

    /// <summary>Whether <paramref name="value"/> meets the bound or misses it by no more than <paramref name="tolerance"/> (its measured spread).</summary>
    public bool IsMet(double value, double tolerance) => HigherIsBetter ? value + tolerance >= Bound : value - tolerance <= Bound;

    /// <summary>The goal in words, e.g. <c>≥ 0.95 (max-degradation 0.01 from 0.96)</c>.</summary>
    public string Describe() =>
        $"{(HigherIsBetter ? "≥" : "≤")} {Format(Bound)}{(Baseline is { } b ? $" ({Goal.Type} {Format(Goal.Value)} from {Format(b)})" : string.Empty)}";

    private static string Format(double v) => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One goal's verdict for one candidate.</summary>
/// <param name="Goal">The goal.</param>
/// <param name="Value">The candidate's value; null when the metric could not be computed.</param>
public sealed record GoalVerdict(ResolvedGoal Goal, double? Value)
{
    /// <summary>Whether the goal is met (a missing value is not).</summary>
    public bool Met => Value is { } v && Goal.IsMet(v);
}

/// <summary>Olive's goal semantics (<c>Engine.resolve_goals</c>): bounds from the goal type, value and the input model's baseline.</summary>
public static class Goals
{
    /// <summary>
    /// Resolves every goal of a ranked sub-type. With m = +1 when higher is better and −1 otherwise, v the goal value and
    /// b the baseline: threshold → v; max-degradation → b − m·v; min-improvement → b + m·v; percent-max-degradation →
    /// b·(1 − m·v/100); percent-min-improvement → b·(1 + m·v/100).
    /// </summary>
    /// <exception cref="InvalidOperationException">A relative goal has no baseline value.</exception>
    public static IReadOnlyList<ResolvedGoal> Resolve(EvaluatorSpec evaluator, IReadOnlyDictionary<string, double>? baseline)
    {
        var goals = new List<ResolvedGoal>();
        foreach (var (key, _, sub) in evaluator.SubMetrics)
        {
            if (sub.Goal is not { } goal || !sub.Ranked)
            {
                continue;
            }

            double? b = null;
            if (goal.NeedsBaseline)
            {
                b = baseline is not null && baseline.TryGetValue(key, out var value)
                    ? value
                    : throw new InvalidOperationException($"goal {goal.Type} on {key} needs the input model's {key}, which was not evaluated");
            }

            goals.Add(new ResolvedGoal(key, goal, Bound(goal, sub.HigherIsBetter, b), sub.HigherIsBetter, sub.Priority, b));
        }

        return goals;
    }

    /// <summary>The bound for one goal; <paramref name="baseline"/> is ignored for thresholds.</summary>
    public static double Bound(GoalSpec goal, bool higherIsBetter, double? baseline)
    {
        var m = higherIsBetter ? 1.0 : -1.0;
        var v = goal.Value;
        var b = baseline ?? 0;
        return goal.Type switch
        {
            "threshold" => v,
            "max-degradation" => b - (m * v),
            "min-improvement" => b + (m * v),
            "percent-max-degradation" => b * (1 - (m * v / 100)),
            "percent-min-improvement" => b * (1 + (m * v / 100)),
            _ => throw new ArgumentException($"unknown goal type '{goal.Type}'", nameof(goal)),
        };
    }

    /// <summary>The verdict of every goal for one candidate's values.</summary>
    public static IReadOnlyList<GoalVerdict> Check(IReadOnlyList<ResolvedGoal> goals, IReadOnlyDictionary<string, double> values) =>
        goals.Select(g => new GoalVerdict(g, values.TryGetValue(g.Key, out var v) ? v : null)).ToList();

    /// <summary>
    /// Olive's checks on a goal value: non-negative; percent-max-degradation at most 100 for higher-is-better metrics
    /// (a bound below zero means nothing); percent-min-improvement at most 100 for lower-is-better ones. Returns the problem or null.
    /// </summary>
    public static string? Validate(GoalSpec goal, bool higherIsBetter)
    {
        if (!GoalSpec.Types.Contains(goal.Type))
        {
            return $"'{goal.Type}' is not a goal type; use one of {string.Join(", ", GoalSpec.Types)}";
        }

        if (goal.Value < 0 || double.IsNaN(goal.Value))
        {
            return $"goal value must be 0 or more (the goal type says the direction), got {goal.Value}";
        }

        if (goal.Type == "percent-max-degradation" && higherIsBetter && goal.Value > 100)
        {
            return "percent-max-degradation above 100 allows a negative value; use at most 100";
        }

        if (goal.Type == "percent-min-improvement" && !higherIsBetter && goal.Value > 100)
        {
            return "percent-min-improvement above 100 asks a lower-is-better metric to go below zero; use at most 100";
        }

        return null;
    }
}
