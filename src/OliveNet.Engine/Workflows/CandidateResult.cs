using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Evaluation;
using OliveNet.Engine.Reports;
using OliveNet.Engine.Search;

namespace OliveNet.Engine.Workflows;

/// <summary>
/// What executing one candidate gave: its pass runs, its final artifact, its metric values, or why it failed. A value:
/// judging it against the goals and turning it into a report row happen afterwards (<see cref="Row"/>).
/// </summary>
/// <param name="Index">The candidate's index in proposal order.</param>
/// <param name="Plan">The candidate.</param>
/// <param name="Artifact">The last model it produced (for a failed evaluation, the model that could not be evaluated); null when a pass failed.</param>
/// <param name="Runs">Its pass runs, up to the failing one.</param>
/// <param name="Metrics">Its metric values; null without an evaluator or when it failed.</param>
/// <param name="Error">Why it was pruned; null when it ran.</param>
/// <param name="Seconds">Seconds spent on it (pass runs and evaluation).</param>
internal sealed record CandidateResult(
    int Index, CandidatePlan Plan, ModelArtifact? Artifact, IReadOnlyList<PassRunSummary> Runs, IReadOnlyDictionary<string, double>? Metrics, string? Error, double Seconds)
{
    /// <summary>The candidate's report row, judged against <paramref name="goals"/>.</summary>
    public CandidateRow Row(IReadOnlyList<ResolvedGoal> goals)
    {
        var verdicts = Metrics is null ? [] : Goals.Check(goals, Metrics);
        return new CandidateRow
        {
            Index = Index,
            Label = Plan.Label,
            Lineage = Runs.Select(r => new LineageRow(r.Name, r.Type, r.Version, r.Options, r.CacheKey, r.ArtifactId, r.CacheHit, r.DurationMs) { Fidelity = r.Fidelity }).ToList(),
            ArtifactId = Error is null ? Artifact?.Id : null,
            Metrics = Metrics ?? new Dictionary<string, double>(),
            Verdicts = verdicts.ToDictionary(v => v.Goal.Key, v => v.Met, StringComparer.Ordinal),
            GoalsMet = Error is null && verdicts.All(v => v.Met),
            Error = Error,
            Seconds = Seconds,
        };
    }

    /// <summary>The candidate as the winner decision and the reports take it.</summary>
    public CandidateOutcome Outcome(IReadOnlyList<ResolvedGoal> goals) => new(Row(goals), Artifact, Runs) { Order = Plan.Point };
}
