using System.Globalization;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Evaluation;
using OliveNet.Engine.Reports;
using OliveNet.Engine.Search;

namespace OliveNet.Engine.Workflows;

/// <summary>The decision after a search: updated outcomes, baseline and goals, and how the best one was chosen.</summary>
internal sealed record Decision(SearchResult Result, IReadOnlyDictionary<string, double>? Baseline, IReadOnlyList<ResolvedGoal> Goals, IReadOnlyList<ChoiceStep> Steps, IReadOnlyList<string> Notes);

/// <summary>
/// Chooses the candidate to publish so that measurement noise cannot change the choice. Timing metrics (latency,
/// throughput) of the contenders—candidates meeting every other goal—and of the input model are measured again,
/// together and interleaved in one process (<see cref="ModelEvaluator.MeasureTogether"/>); those values replace the
/// separately measured ones. A timing goal missed by less than the measured spreads (the candidate's plus the input
/// model's for a relative goal) counts as met, and the best is chosen by <see cref="Selection"/>: gaps no larger than the
/// two values' spreads together are ties, broken by the next priority, then the smaller
/// size on disk, then the recipe's declaration order.
/// </summary>
internal static class WinnerDecision
{
    public static Decision Decide(
        SearchResult result, ModelArtifact input, ModelEvaluator? evaluator, IReadOnlyList<ResolvedGoal> goals,
        IReadOnlyDictionary<string, double>? baseline, TextWriter progress, CancellationToken cancellation)
    {
        if (evaluator is null)
        {
            return new Decision(result, baseline, goals, [], []);
        }

        var spec = evaluator.Evaluator;
        var notes = new List<string>();
        var outcomes = result.Outcomes.ToList();
        var timing = spec.Metrics.Where(m => ModelEvaluator.IsTiming(m.Type) && m.DataConfig is not null && m.SubTypes.Any(s => s.Ranked)).ToList();
        var timingKeys = timing.SelectMany(m => m.SubTypes.Select(s => $"{m.Name}-{s.Name}")).ToHashSet(StringComparer.Ordinal);
        var newBaseline = baseline?.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var baselineSpreads = new Dictionary<string, double>(StringComparer.Ordinal);
        var contenders = outcomes.Where(o => o.Row.Error is null && o.Artifact is not null && (result.Finalists?.Contains(o.Row.Index) ?? true)
            && goals.Where(g => !timingKeys.Contains(g.Key)).All(g => o.Row.Verdicts.GetValueOrDefault(g.Key))).ToList();
        var contending = contenders.Select(o => o.Row.Index).ToHashSet();
        var withInput = newBaseline is not null && !input.IsCheckpoint;
        if (timing.Count > 0 && contenders.Count + (withInput ? 1 : 0) >= 2)
        {
            // One session per distinct model: candidates that end in the same artifact share a measurement.
            var models = contenders.Select(o => o.Artifact!).Prepend(withInput ? input : null).OfType<ModelArtifact>()
                .DistinctBy(a => a.Id).ToList();
            foreach (var metric in timing)
            {
                progress.WriteLine($"measuring {metric.Name} of {models.Count} models together, interleaved ({string.Join(", ", models.Select(m => m.Id[..12]))})");
                var measured = evaluator.MeasureTogether(metric, models, cancellation);
                var byId = models.Select((m, i) => (m.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
                foreach (var sub in metric.SubTypes)
                {
                    var key = $"{metric.Name}-{sub.Name}";
                    if (withInput && measured.Values[byId[input.Id]].TryGetValue(sub.Name, out var b))
                    {
                        newBaseline![key] = b;
                        baselineSpreads[key] = measured.Spreads[byId[input.Id]];
                    }

                    for (var o = 0; o < outcomes.Count; o++)
                    {
                        if (contending.Contains(outcomes[o].Row.Index) && measured.Values[byId[outcomes[o].Artifact!.Id]].TryGetValue(sub.Name, out var v))
                        {
                            var row = outcomes[o].Row;
                            var metrics = row.Metrics.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                            var spreads = row.Spreads.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                            metrics[key] = v;
                            spreads[key] = measured.Spreads[byId[outcomes[o].Artifact!.Id]];
                            outcomes[o] = outcomes[o] with { Row = row with { Metrics = metrics, Spreads = spreads } };
                        }
                    }
                }

                notes.Add($"{metric.Name}: the {(withInput ? "input model and the " : string.Empty)}{contenders.Count} candidate(s) meeting every other goal were measured together in one process, " +
                    $"in interleaved rounds; those values replace the separate measurements, and values whose intervals (value ± half the interquartile range of its samples) overlap are ties");
            }
        }

        var newGoals = newBaseline is null || timingKeys.Count == 0 ? goals : Goals.Resolve(spec, newBaseline);
        for (var o = 0; o < outcomes.Count; o++)
        {
            var row = outcomes[o].Row;
            if (row.Error is not null)
            {
                continue;
            }

            var verdicts = new Dictionary<string, bool>(StringComparer.Ordinal);
            foreach (var goal in newGoals)
            {
                if (!row.Metrics.TryGetValue(goal.Key, out var value))
                {
                    verdicts[goal.Key] = false;
                    continue;
                }

                var tolerance = row.Spreads.GetValueOrDefault(goal.Key) + (goal.Baseline is null ? 0 : baselineSpreads.GetValueOrDefault(goal.Key));
                verdicts[goal.Key] = goal.IsMet(value, tolerance);
                if (verdicts[goal.Key] && !goal.IsMet(value))
                {
                    notes.Add($"candidate {row.Index}: {goal.Key} {Format(value)} misses {goal.Describe()} by less than the measured spread ({Format(tolerance)}): counted as met");
                }
            }

            outcomes[o] = outcomes[o] with { Row = row with { Verdicts = verdicts, GoalsMet = verdicts.Values.All(v => v) } };
        }

        var objectives = Ranking.Objectives(spec);
        var evaluated = outcomes.Where(o => o.Row.Error is null && o.Artifact is not null && (result.Finalists?.Contains(o.Row.Index) ?? true)).ToList();
        var pool = evaluated.Where(o => o.Row.GoalsMet).ToList() is { Count: > 0 } met ? met : evaluated;
        var (winner, steps) = Selection.Choose(objectives, pool.Select(o => new SelectionEntry(o.Row.Index, o.Row.Metrics, o.Row.Spreads, pool.Count > 1 ? SizeOnDisk(o.Artifact!) : 0, o.Order)).ToList());
        var frontier = Ranking.ParetoFrontier(objectives, evaluated.Select(o => o.Row.Metrics).ToList()).Select(i => evaluated[i].Row.Index).ToHashSet();
        outcomes = outcomes.Select(o => o with { Row = o.Row with { Pareto = o.Row.Error is null && (frontier.Contains(o.Row.Index) || evaluated.Count == 1 && evaluated[0].Row.Index == o.Row.Index) } }).ToList();
        foreach (var step in steps)
        {
            progress.WriteLine($"choice: {step.Text}");
        }

        return new Decision(
            result with { Outcomes = outcomes, Best = winner ?? result.Best },
            newBaseline,
            newGoals,
            steps.Select(s => new ChoiceStep(s.Rule, s.Key, s.Left, s.Tie, s.Text)).ToList(),
            notes);
    }

    /// <summary>Bytes of every file in the artifact's folder: the model, its external data and companions.</summary>
    private static long SizeOnDisk(ModelArtifact artifact) =>
        Directory.EnumerateFiles(artifact.Folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    private static string Format(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
