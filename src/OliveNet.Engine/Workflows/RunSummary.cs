using OliveNet.Engine.Passes;

namespace OliveNet.Engine.Workflows;

/// <summary>What a run did: the published folder, the final model's id, and each pass run.</summary>
public sealed record RunSummary(
    string WorkflowId,
    string OutputDir,
    string InputArtifactId,
    string OutputArtifactId,
    IReadOnlyList<PassRunSummary> Passes,
    IReadOnlyList<string> Notes,
    double DurationMs)
{
    /// <summary>The target the passes ran for: the recipe's, or its fallback.</summary>
    public Target Target { get; init; } = Target.Cpu;

    /// <summary>Warnings every report repeats, such as a target fallback.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Whether a model was published; false when no candidate met the goals (exit code 3).</summary>
    public bool Published { get; init; } = true;

    /// <summary>The run's report (candidates, metrics, goals); written to output_dir as metrics.json and rendered.</summary>
    public Reports.RunReport? Report { get; init; }
}

/// <summary>One pass run: the step name, pass type, cache key and result.</summary>
public sealed record PassRunSummary(string Name, string Type, string CacheKey, string ArtifactId, bool CacheHit, double DurationMs)
{
    /// <summary>The pass's version.</summary>
    public int Version { get; init; }

    /// <summary>The canonical options JSON the pass ran with.</summary>
    public string Options { get; init; } = "{}";

    /// <summary>For a lossy pass, its fidelity against its input; null for other passes.</summary>
    public Evaluation.PassFidelity? Fidelity { get; init; }
}
