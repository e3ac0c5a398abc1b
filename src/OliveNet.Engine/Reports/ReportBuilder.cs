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
            MinFidelity = recipe.MinFidelity,
            Reproduce = Reproduce(recipe),
            ChoiceNotes = decision.Notes,
            Warnings = warnings,
            Notes = recipe.Notes,
        };
    }

    /// <summary>
    /// <c>olivenet run &lt;recipe&gt;</c> with the recipe's path from the root of its git repository (the folder holding
    /// <c>.git</c>), else its full path, and the <c>--set</c> overrides that change the result.
    /// </summary>
    internal static string Reproduce(Recipe recipe)
    {
        var path = Path.GetFullPath(recipe.SourcePath);
        var dir = new DirectoryInfo(Path.GetDirectoryName(path)!);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, ".git")) && !File.Exists(Path.Combine(dir.FullName, ".git")))
        {
            dir = dir.Parent;
        }

        var shown = dir is null ? path : Path.GetRelativePath(dir.FullName, path).Replace('\\', '/');
        var sets = string.Concat(recipe.Overrides.Select(o => $" --set {Quote(o)}"));
        return $"olivenet run {Quote(shown)}{sets}";
    }

    private static string Quote(string s) => s.All(c => char.IsLetterOrDigit(c) || c is '/' or '.' or '-' or '_' or '=' or ':' or ',') ? s : $"'{s.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
