using OliveNet.Runtime;

namespace OliveNet.Passes.Tuning;

/// <summary>One point of the session-settings search.</summary>
internal sealed record TuningCandidate(
    int? IntraOpThreads,
    int? InterOpThreads,
    bool Parallel,
    GraphOptimizationLevel Level,
    bool AllowSpinning,
    IReadOnlyDictionary<string, string> ProviderOptions)
{
    /// <summary>The session config key of ORT's spinning switch.</summary>
    public const string SpinningKey = "session.intra_op.allow_spinning";

    /// <summary>The config entries of this candidate: the recipe's extras and the spinning switch.</summary>
    public IReadOnlyDictionary<string, string> ConfigEntries(IReadOnlyDictionary<string, string> extra)
    {
        var entries = new SortedDictionary<string, string>(extra.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal)
        {
            [SpinningKey] = AllowSpinning ? "1" : "0",
        };
        return entries;
    }

    /// <summary>The settings recorded for this candidate.</summary>
    public InferenceSettings Settings(string provider, IReadOnlyDictionary<string, string> extra) =>
        new(provider, ProviderOptions, IntraOpThreads, Parallel ? InterOpThreads : null, Parallel, Level, ConfigEntries(extra));

    /// <inheritdoc/>
    public override string ToString() =>
        $"intra_op_num_threads {IntraOpThreads?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"}, " +
        (Parallel ? $"parallel (inter_op_num_threads {InterOpThreads?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"})" : "sequential") +
        $", graph_optimization_level {(int)Level}, allow_spinning {(AllowSpinning ? 1 : 0)}" +
        (ProviderOptions.Count > 0 ? $", provider options {string.Join(";", ProviderOptions.Select(kv => $"{kv.Key}={kv.Value}"))}" : string.Empty);
}
