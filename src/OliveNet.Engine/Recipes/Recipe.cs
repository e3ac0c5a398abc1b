using OliveNet.Engine.Passes;

namespace OliveNet.Engine.Recipes;

/// <summary>
/// A validated recipe with every default filled: the only form the engine accepts. Built by <see cref="RecipeLoader"/>.
/// Relative paths in the recipe are resolved against the recipe file's folder.
/// </summary>
public sealed record Recipe
{
    /// <summary>The recipe file.</summary>
    public required string SourcePath { get; init; }

    /// <summary>SHA-256 of the recipe file's bytes.</summary>
    public required string Sha256 { get; init; }

    /// <summary>
    /// The <c>--set</c> overrides that can change what is produced (those of <c>cache_dir</c>, <c>output_dir</c> and
    /// other run-location keys are left out), in the order given; recorded in the manifest.
    /// </summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];

    /// <summary>Names the cache sub-folder (Olive's <c>workflow_id</c>, default <c>default_workflow</c>).</summary>
    public required string WorkflowId { get; init; }

    /// <summary>The source model.</summary>
    public required InputModelSpec InputModel { get; init; }

    /// <summary>Where evaluation and target-bound passes run.</summary>
    public required Target Target { get; init; }

    /// <summary>Where passes run.</summary>
    public required Target Host { get; init; }

    /// <summary>The passes in order; a step with several alternatives is a search dimension.</summary>
    public required IReadOnlyList<PassStep> Passes { get; init; }

    /// <summary>Cache root (the workflow's entries live in <c>&lt;cache_dir&gt;/&lt;workflow_id&gt;</c>).</summary>
    public required string CacheDir { get; init; }

    /// <summary>The shared cache behind <see cref="CacheDir"/> (a blob container), or null for a local cache alone.</summary>
    public Caching.Shared.SharedCacheLocation? SharedCache { get; init; }

    /// <summary>Where the published model goes.</summary>
    public required string OutputDir { get; init; }

    /// <summary>Delete the workflow's cache before running.</summary>
    public bool CleanCache { get; init; }

    /// <summary>Olive's log level: 0 verbose … 4 fatal.</summary>
    public int LogSeverityLevel { get; init; } = 1;

    /// <summary>Whether the input model is evaluated first (needs an evaluator).</summary>
    public bool EvaluateInputModel { get; init; } = true;

    /// <summary>Data configs by name, paths resolved.</summary>
    public IReadOnlyDictionary<string, Data.DataConfigSpec> DataConfigs { get; init; } = new Dictionary<string, Data.DataConfigSpec>();

    /// <summary>The evaluator that scores the input model and every candidate; null = nothing is evaluated.</summary>
    public Evaluation.EvaluatorSpec? Evaluator { get; init; }

    /// <summary>The search strategy; null = run the one fixed plan.</summary>
    public Search.SearchSpec? Search { get; init; }

    /// <summary>
    /// OliveNet's <c>gate</c> (default true): a run without search whose final model misses a goal publishes nothing and
    /// exits 3. False publishes it anyway, as Olive does, with the verdicts in the reports.
    /// </summary>
    public bool Gate { get; init; } = true;

    /// <summary>
    /// OliveNet's <c>min_fidelity</c> (default <see cref="DefaultMinFidelity"/>): a lossy pass whose output agrees with its
    /// input less than this (top-1 agreement for classifier-like outputs, cosine otherwise) fails; 0 turns the gate off.
    /// </summary>
    public double MinFidelity { get; init; } = DefaultMinFidelity;

    /// <summary>The default of <see cref="MinFidelity"/>.</summary>
    public const double DefaultMinFidelity = 0.9;

    /// <summary>A Handlebars template for the published README.md (model card); null = the built-in one.</summary>
    public string? ModelCardTemplate { get; init; }

    /// <summary>Delete cached evaluations before running.</summary>
    public bool CleanEvaluationCache { get; init; }

    /// <summary>Data configs that passes name (<c>data_config</c>) and that must be written as tensor folders before the passes run.</summary>
    public IReadOnlyDictionary<string, string> PassDataFolders { get; init; } = new Dictionary<string, string>();

    /// <summary>Parts of the recipe that are parsed and kept but not acted on by this version, with why.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>The recipe's <c>input_model</c>.</summary>
/// <param name="Type">Olive model type: <c>ONNXModel</c> or <c>HfModel</c>.</param>
/// <param name="Reference">What the recipe wrote: a path or an <c>npm:</c> reference.</param>
/// <param name="Path">Full local path (file or folder), or the npm reference to fetch.</param>
public sealed record InputModelSpec(string Type, string Reference, string Path);

/// <summary>One entry of <c>passes</c>: its name and its alternatives (one for a fixed pipeline).</summary>
public sealed record PassStep(string Name, IReadOnlyList<PassChoice> Alternatives);

/// <summary>A pass with bound options.</summary>
/// <param name="Pass">The pass.</param>
/// <param name="Options">The options record.</param>
/// <param name="CanonicalOptions">Sorted compact JSON of the options; part of the cache key.</param>
/// <param name="Timeout">The entry's <c>timeout</c> (seconds in the recipe): the pass is cancelled when it passes; null = none.</param>
public sealed record PassChoice(IPass Pass, object Options, string CanonicalOptions, TimeSpan? Timeout = null);
