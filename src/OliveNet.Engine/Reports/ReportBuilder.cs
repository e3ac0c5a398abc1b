using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Evaluation;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Engine.Workflows;

namespace OliveNet.Engine.Reports;

/// <summary>Collects a run's values into a <see cref="RunReport"/>.</summary>
internal static class ReportBuilder
{
    public static RunReport Build(
        Recipe recipe, ModelArtifact input, Target target, IReadOnlyList<string> warnings, EvaluatorSpec? evaluator, Decision decision, bool published, double durationMs)
    {
        var (result, baseline, goals) = (decision.Result, decision.Baseline, decision.Goals);
        var outcome = published ? "published" : result.Outcomes.All(o => o.Row.Error is not null) ? "no_candidate" : "goals_not_met";
        return new RunReport
        {
            WorkflowId = recipe.WorkflowId,
            Recipe = Path.GetFileName(recipe.SourcePath),
            InputModel = recipe.InputModel.Reference,
            InputArtifactId = input.Id,
            Target = $"{target.Device}/{target.ExecutionProvider}",
            Outcome = outcome,
            Gate = recipe.Gate,
            DurationMs = durationMs,
            Metrics = evaluator?.SubMetrics.Select(s => new MetricColumn(s.Key, s.Metric.Type, s.Sub.HigherIsBetter, s.Sub.Priority)).ToList() ?? [],
            Goals = goals.Select(g => new GoalRow(g.Key, g.Goal.Type, g.Goal.Value, g.Bound, g.HigherIsBetter, g.Priority, g.Baseline, g.Describe())).ToList(),
            Baseline = baseline,
            Candidates = result.Outcomes.Select(o => o.Row).ToList(),
            Best = result.Best,
            Search = result.Search,
            Choice = decision.Steps,
            ChoiceNotes = decision.Notes,
            Warnings = warnings,
            Notes = recipe.Notes,
        };
    }
}
