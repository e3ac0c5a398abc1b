using HandlebarsDotNet;

namespace OliveNet.Engine.Reports;

/// <summary>
/// The published README.md, rendered with Handlebars.Net from a template (the recipe's <c>model_card_template</c>, or the
/// built-in one). Variables: workflow_id, recipe, input_model, target, outcome, candidates_tried, best_label, lineage
/// [{step, type, version, options}], metrics [{key, input, value, change, goal, verdict}], warnings.
/// </summary>
internal static class ModelCard
{
    private const string BuiltIn = """
        # {{workflow_id}}

        Optimized by OliveNet from `{{input_model}}` for {{target}}: {{outcome}}.
        {{#if best_label}}Chosen candidate: {{best_label}} (of {{candidates_tried}} tried).{{/if}}

        ## Passes

        {{#each lineage}}
        1. **{{step}}**: {{type}} v{{version}} `{{options}}`
        {{/each}}

        ## Metrics

        | metric | input model | this model | change | goal | verdict |
        |---|---|---|---|---|---|
        {{#each metrics}}
        | {{key}} | {{input}} | {{value}} | {{change}} | {{goal}} | {{verdict}} |
        {{/each}}

        ## Reproduce

        From the root of the repository that holds the recipe{{#if reproduce_note}} ({{reproduce_note}}){{/if}}:

        ```
        {{reproduce}}
        ```
        {{#each warnings}}

        > Warning: {{this}}
        {{/each}}

        """;

    public static string Render(RunReport r, string? template)
    {
        var handlebars = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true });
        var compiled = handlebars.Compile(template ?? BuiltIn);
        var best = ReportFormat.Best(r);
        var goals = r.Goals.ToDictionary(g => g.Key, StringComparer.Ordinal);
        var data = new Dictionary<string, object?>
        {
            ["workflow_id"] = r.WorkflowId,
            ["recipe"] = r.Recipe,
            ["reproduce"] = r.Reproduce.Length > 0 ? r.Reproduce : $"olivenet run {r.Recipe}",
            ["reproduce_note"] = "with the olivenet tool installed; in a clone of OliveNet itself, `dotnet run --project src/OliveNet.Cli -c Release --` stands for `olivenet`",
            ["input_model"] = r.InputModel,
            ["target"] = r.Target,
            ["outcome"] = ReportFormat.Outcome(r),
            ["candidates_tried"] = r.Candidates.Count,
            ["best_label"] = best?.Label,
            ["lineage"] = (best?.Lineage ?? []).Select(l => new Dictionary<string, object> { ["step"] = l.Step, ["type"] = l.Type, ["version"] = l.Version, ["options"] = l.Options }).ToList(),
            ["metrics"] = r.Metrics.Select(m => new Dictionary<string, object>
            {
                ["key"] = m.Key,
                ["input"] = MetricFormat.Value(m, ReportFormat.Value(r.Baseline, m.Key)),
                ["value"] = MetricFormat.Value(m, ReportFormat.Value(best?.Metrics, m.Key)),
                ["change"] = MetricFormat.Change(m, ReportFormat.Value(r.Baseline, m.Key), ReportFormat.Value(best?.Metrics, m.Key), best?.Spreads.GetValueOrDefault(m.Key) ?? 0),
                ["goal"] = goals.TryGetValue(m.Key, out var g)
                    ? $"{(g.HigherIsBetter ? "≥" : "≤")} {MetricFormat.Value(m, g.Bound)}{(g.Baseline is { } b ? $" ({g.Type} {ReportFormat.Number(g.Value)} from {MetricFormat.Value(m, b)})" : string.Empty)}"
                    : string.Empty,
                ["verdict"] = goals.ContainsKey(m.Key) ? (best?.Verdicts.GetValueOrDefault(m.Key) == true ? "met" : "not met") : string.Empty,
            }).ToList(),
            ["warnings"] = r.Warnings,
        };
        return compiled(data);
    }
}
