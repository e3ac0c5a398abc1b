namespace OliveNet.Engine.Reports;

/// <summary>
/// Everything a run's reports show, as values: written as <c>metrics.json</c>, and read back by <c>olivenet report</c> to
/// re-render <c>report.html</c>, <c>summary.md</c>, <c>junit.xml</c> and the model card.
/// </summary>
public sealed record RunReport
{
    /// <summary>The metrics.json format tag.</summary>
    public string Format { get; init; } = "olivenet-metrics/1";

    /// <summary>The workflow id.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>The recipe file's name.</summary>
    public required string Recipe { get; init; }

    /// <summary>The input model as the recipe names it.</summary>
    public required string InputModel { get; init; }

    /// <summary>The input model's artifact id.</summary>
    public required string InputArtifactId { get; init; }

    /// <summary>device/execution provider the candidates were evaluated on.</summary>
    public required string Target { get; init; }

    /// <summary>published, goals_not_met (gated; nothing published) or no_candidate (every candidate failed).</summary>
    public required string Outcome { get; init; }

    /// <summary>Whether the recipe gates a run without search (the <c>gate</c> key).</summary>
    public bool Gate { get; init; } = true;

    /// <summary>Wall-clock time of the run.</summary>
    public double DurationMs { get; init; }

    /// <summary>The evaluator's sub-types in the order written.</summary>
    public IReadOnlyList<MetricColumn> Metrics { get; init; } = [];

    /// <summary>The goals, resolved against the baseline.</summary>
    public IReadOnlyList<GoalRow> Goals { get; init; } = [];

    /// <summary>The input model's values; null when it was not evaluated.</summary>
    public IReadOnlyDictionary<string, double>? Baseline { get; init; }

    /// <summary>Every candidate tried, in the order tried.</summary>
    public IReadOnlyList<CandidateRow> Candidates { get; init; } = [];

    /// <summary>Index into <see cref="Candidates"/> of the published (or best) candidate; null when none.</summary>
    public int? Best { get; init; }

    /// <summary>How the best candidate was chosen, rule by rule, with every tie and the rule that broke it.</summary>
    public IReadOnlyList<ChoiceStep> Choice { get; init; } = [];

    /// <summary>How timing metrics were measured for the choice, and goals met only within the measured spread.</summary>
    public IReadOnlyList<string> ChoiceNotes { get; init; } = [];

    /// <summary>Search settings and figures; null for a run without search.</summary>
    public SearchRow? Search { get; init; }

    /// <summary>The recipe's min_fidelity: lossy passes agreeing less with their input failed.</summary>
    public double MinFidelity { get; init; } = Recipes.Recipe.DefaultMinFidelity;

    /// <summary>The command that reruns this recipe, from the root of the repository that holds it (else with its full path).</summary>
    public string Reproduce { get; init; } = string.Empty;

    /// <summary>Warnings (target fallback …).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Notes from the recipe loader.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>One sub-type column: key, direction and priority (-1 = reported only).</summary>
public sealed record MetricColumn(string Key, string Type, bool HigherIsBetter, int Priority);

/// <summary>One resolved goal.</summary>
public sealed record GoalRow(string Key, string Type, double Value, double Bound, bool HigherIsBetter, int Priority, double? Baseline, string Text);

/// <summary>One pass run in a candidate's lineage.</summary>
public sealed record LineageRow(string Step, string Type, int Version, string Options, string CacheKey, string ArtifactId, bool Cached, double DurationMs)
{
    /// <summary>For a lossy pass, its fidelity against its input; null for other passes.</summary>
    public Evaluation.PassFidelity? Fidelity { get; init; }
}

/// <summary>One candidate: its passes, metrics and verdicts; <see cref="Error"/> when a pass or the evaluation failed (pruned).</summary>
public sealed record CandidateRow
{
    /// <summary>Position in the order tried.</summary>
    public int Index { get; init; }

    /// <summary>Short description of the choices, e.g. <c>quantize=OnnxStaticQuantization{calibrate_method=Entropy}</c>.</summary>
    public required string Label { get; init; }

    /// <summary>The pass runs, input first.</summary>
    public IReadOnlyList<LineageRow> Lineage { get; init; } = [];

    /// <summary>The final artifact's id; null when a pass failed.</summary>
    public string? ArtifactId { get; init; }

    /// <summary>Metric values by key.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Goal key → met.</summary>
    public IReadOnlyDictionary<string, bool> Verdicts { get; init; } = new Dictionary<string, bool>();

    /// <summary>Measured spread (half the interquartile range) of timing values measured together with the other contenders.</summary>
    public IReadOnlyDictionary<string, double> Spreads { get; init; } = new Dictionary<string, double>();

    /// <summary>Whether every goal is met (true when there are no goals).</summary>
    public bool GoalsMet { get; init; }

    /// <summary>Whether no other evaluated candidate dominates it.</summary>
    public bool Pareto { get; init; }

    /// <summary>Why it was pruned; null when it ran and was evaluated.</summary>
    public string? Error { get; init; }

    /// <summary>Seconds spent on it (pass runs and evaluation).</summary>
    public double Seconds { get; init; }
}

/// <summary>One rule applied while choosing the best candidate.</summary>
/// <param name="Rule">priority, size or declaration.</param>
/// <param name="Key">The metric key for priority; null otherwise.</param>
/// <param name="Left">Candidates still in contention after the rule.</param>
/// <param name="Tie">Whether the rule left a tie for the next rule to break.</param>
/// <param name="Text">The step in words.</param>
public sealed record ChoiceStep(string Rule, string? Key, IReadOnlyList<int> Left, bool Tie, string Text);

/// <summary>Search settings and what the search did.</summary>
public sealed record SearchRow(string ExecutionOrder, string Sampler, int SpaceSize, int Tried, int Failed, string StopReason, int Seed);
