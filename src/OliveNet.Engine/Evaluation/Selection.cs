using System.Globalization;

namespace OliveNet.Engine.Evaluation;

/// <summary>One candidate as the selection sees it: its values, their measured spread, its size and its declaration order.</summary>
/// <param name="Index">The candidate's index in the run.</param>
/// <param name="Values">Metric values by key.</param>
/// <param name="Spreads">For measured (timing) keys: the measured spread; a difference within it is a tie. Absent = exact.</param>
/// <param name="SizeBytes">Bytes on disk of the candidate's model files.</param>
/// <param name="Order">The candidate's choice index per step, in the recipe's declaration order of alternatives.</param>
public sealed record SelectionEntry(int Index, IReadOnlyDictionary<string, double> Values, IReadOnlyDictionary<string, double> Spreads, long SizeBytes, IReadOnlyList<int> Order);

/// <summary>One step of a selection: the rule applied, the candidates left after it, and whether it was a tie.</summary>
/// <param name="Rule">priority (a ranked metric), size (smaller on disk) or declaration (the recipe's order of alternatives).</param>
/// <param name="Key">The metric key for <c>priority</c>; null otherwise.</param>
/// <param name="Left">Indices still in contention after the step.</param>
/// <param name="Tie">Whether more than one candidate was left after the step (the next rule decides).</param>
/// <param name="Text">The step in words.</param>
public sealed record SelectionStep(string Rule, string? Key, IReadOnlyList<int> Left, bool Tie, string Text);

/// <summary>
/// Picks the best candidate so that noise cannot decide: objectives in priority order, where a measured value whose
/// interval (value ± its spread) overlaps the best's is a tie—a gap no larger than the sum of the two spreads; candidates
/// tied on every objective go
/// to the one smaller on disk, then the one declared first in the recipe (lexicographic order of choice indices).
/// Deterministic values (accuracy, size) are compared exactly.
/// </summary>
public static class Selection
{
    /// <summary>Chooses among <paramref name="entries"/>; null winner when there are none.</summary>
    public static (int? Winner, IReadOnlyList<SelectionStep> Steps) Choose(IReadOnlyList<(string Key, bool HigherIsBetter)> objectives, IReadOnlyList<SelectionEntry> entries)
    {
        var steps = new List<SelectionStep>();
        if (entries.Count == 0)
        {
            return (null, steps);
        }

        var left = entries.ToList();
        if (left.Count == 1)
        {
            steps.Add(new SelectionStep("only", null, [left[0].Index], false, $"candidate {left[0].Index} is the only one that met every goal"));
            return (left[0].Index, steps);
        }

        foreach (var (key, higher) in objectives)
        {
            if (left.Count == 1)
            {
                break;
            }

            var with = left.Where(e => e.Values.TryGetValue(key, out var v) && !double.IsNaN(v)).ToList();
            if (with.Count == 0)
            {
                continue;
            }

            var best = higher ? with.MaxBy(e => e.Values[key])! : with.MinBy(e => e.Values[key])!;
            var bestValue = best.Values[key];
            var kept = with.Where(e => Math.Abs(e.Values[key] - bestValue) <= Spread(best, key) + Spread(e, key)).ToList();
            var measured = kept.Any(e => e.Spreads.ContainsKey(key));
            var text = kept.Count == 1
                ? $"{key}: candidate {best.Index} is best ({Format(bestValue)})" + (with.Count > 1 ? $", {Difference(key, best, with)}" : string.Empty)
                : measured && kept.Any(e => e.Values[key] != bestValue)
                    ? $"{key}: tie between candidates {Join(kept)}: their intervals overlap, value ± measured spread ({string.Join(", ", kept.Select(e => $"{e.Index}: {Format(e.Values[key])} ± {Format(Spread(e, key))}"))})"
                    : $"{key}: tie between candidates {Join(kept)} (equal values, {Format(bestValue)})";
            steps.Add(new SelectionStep("priority", key, kept.Select(e => e.Index).ToList(), kept.Count > 1, text));
            left = kept;
        }

        if (left.Count > 1)
        {
            var smallest = left.Min(e => e.SizeBytes);
            var kept = left.Where(e => e.SizeBytes == smallest).ToList();
            steps.Add(new SelectionStep("size", null, kept.Select(e => e.Index).ToList(), kept.Count > 1, kept.Count == 1
                ? $"tie broken by size on disk: candidate {kept[0].Index} is smallest ({smallest} bytes)"
                : $"size on disk: candidates {Join(kept)} are equally small ({smallest} bytes)"));
            left = kept;
        }

        if (left.Count > 1)
        {
            var first = left.OrderBy(e => e.Order, OrderComparer.Instance).First();
            steps.Add(new SelectionStep("declaration", null, [first.Index], false,
                $"tie broken by the recipe's declaration order: candidate {first.Index} comes first"));
            left = [first];
        }

        return (left[0].Index, steps);
    }

    private static double Spread(SelectionEntry entry, string key) => entry.Spreads.TryGetValue(key, out var s) ? s : 0;

    private static string Difference(string key, SelectionEntry best, List<SelectionEntry> with)
    {
        var spread = with.Where(e => e != best).Max(e => Spread(best, key) + Spread(e, key));
        return spread > 0 ? $"ahead by more than the measured spreads ({Format(spread)})" : "ahead of the others";
    }

    private static string Join(IEnumerable<SelectionEntry> entries) => string.Join(", ", entries.Select(e => e.Index));

    /// <summary>Four significant digits, but whole numbers from 10,000 up in full with separators (sizes in bytes, not 1.176E+06).</summary>
    private static string Format(double v) =>
        Math.Abs(v) >= 1e4 && Math.Abs(v) < 1e15 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("G4", CultureInfo.InvariantCulture);

    private sealed class OrderComparer : IComparer<IReadOnlyList<int>>
    {
        public static readonly OrderComparer Instance = new();

        public int Compare(IReadOnlyList<int>? x, IReadOnlyList<int>? y)
        {
            for (var i = 0; i < Math.Min(x!.Count, y!.Count); i++)
            {
                if (x[i] != y[i])
                {
                    return x[i].CompareTo(y[i]);
                }
            }

            return x.Count.CompareTo(y.Count);
        }
    }
}
