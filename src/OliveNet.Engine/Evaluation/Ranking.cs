namespace OliveNet.Engine.Evaluation;

/// <summary>Orders candidates as Olive does: lexicographically by priority, each value direction-normalized.</summary>
public static class Ranking
{
    /// <summary>The ranked sub-types in priority order: (key, higher is better).</summary>
    public static IReadOnlyList<(string Key, bool HigherIsBetter)> Objectives(EvaluatorSpec evaluator) =>
        evaluator.SubMetrics.Where(s => s.Sub.Ranked).OrderBy(s => s.Sub.Priority).Select(s => (s.Key, s.Sub.HigherIsBetter)).ToList();

    /// <summary>
    /// Compares two candidates' values: negative when <paramref name="a"/> ranks before <paramref name="b"/>. A missing
    /// value ranks last; ties on every objective keep the given order (the caller sorts stably).
    /// </summary>
    public static int Compare(IReadOnlyList<(string Key, bool HigherIsBetter)> objectives, IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b)
    {
        foreach (var (key, higher) in objectives)
        {
            var hasA = a.TryGetValue(key, out var va) && !double.IsNaN(va);
            var hasB = b.TryGetValue(key, out var vb) && !double.IsNaN(vb);
            if (hasA != hasB)
            {
                return hasA ? -1 : 1;
            }

            if (!hasA || va == vb)
            {
                continue;
            }

            return (higher ? va > vb : va < vb) ? -1 : 1;
        }

        return 0;
    }

    /// <summary>
    /// Indices of the Pareto frontier: candidates no other candidate dominates (at least as good on every objective and
    /// strictly better on one). Candidates missing an objective are left out.
    /// </summary>
    public static IReadOnlySet<int> ParetoFrontier(IReadOnlyList<(string Key, bool HigherIsBetter)> objectives, IReadOnlyList<IReadOnlyDictionary<string, double>> values)
    {
        var complete = Enumerable.Range(0, values.Count).Where(i => objectives.All(o => values[i].ContainsKey(o.Key))).ToList();
        var frontier = new HashSet<int>();
        foreach (var i in complete)
        {
            var dominated = complete.Any(j => j != i && Dominates(objectives, values[j], values[i]));
            if (!dominated)
            {
                frontier.Add(i);
            }
        }

        return frontier;
    }

    private static bool Dominates(IReadOnlyList<(string Key, bool HigherIsBetter)> objectives, IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b)
    {
        var strictly = false;
        foreach (var (key, higher) in objectives)
        {
            var (x, y) = higher ? (a[key], b[key]) : (-a[key], -b[key]);
            if (x < y)
            {
                return false;
            }

            strictly |= x > y;
        }

        return strictly;
    }
}
