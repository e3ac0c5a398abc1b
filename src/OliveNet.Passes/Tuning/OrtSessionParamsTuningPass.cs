using OliveNet.Engine.Passes;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tuning;

/// <summary>
/// Olive's OrtSessionParamsTuning: times the model in ONNX Runtime on the target under candidate session settings and
/// records the fastest, leaving the model itself unchanged. The search goes one setting at a time — intra-op threads,
/// execution mode (with inter-op threads), graph optimization level, spinning, provider options — each stage keeping
/// the best of the previous ones; a stage's winner is chosen by <see cref="Engine.Evaluation.Selection"/> on the
/// median latency, where a difference within the samples' spread (half the interquartile range) is a tie that goes to
/// the candidate listed first (fewer threads, ORT's defaults), so noise does not flip the choice. The winner is written
/// to <c>model_config.json</c> (Olive's inference_settings, which OliveNet's evaluation applies) and, for a GenAI
/// folder, into genai_config.json's decoder session_options.
/// </summary>
public sealed partial class OrtSessionParamsTuningPass : IPass<OrtSessionParamsTuningOptions>
{
    private static readonly int[] Levels = [0, 1, 2, 99];

    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "OrtSessionParamsTuning",
        Version: 1,
        Summary: "Time the model under candidate ONNX Runtime session settings (threads, execution mode, optimization level, spinning, EP options) on the target and record the fastest in model_config.json and genai_config.json.",
        Devices: [],
        ExecutionProviders: [],
        Precisions: [],
        Dataset: DatasetNeed.Optional,
        RunsOnTarget: true,
        TargetAgnostic: false);

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(OrtSessionParamsTuningOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(target);
        var errors = new List<string>();
        if (options.ProvidersList is { } provider && !string.Equals(provider, target.ExecutionProvider, StringComparison.Ordinal))
        {
            errors.Add($"providers_list: '{provider}' is not the target's execution provider ({target.ExecutionProvider}); OliveNet tunes the provider the recipe targets. Leave providers_list out or set it to {target.ExecutionProvider}.");
        }

        Check(errors, "execution_mode_list", options.ExecutionModeList, v => v is 0 or 1, "0 (sequential) or 1 (parallel)", required: true);
        Check(errors, "opt_level_list", options.OptLevelList, v => Levels.Contains(v), "0, 1, 2 or 99", required: true);
        Check(errors, "intra_thread_num_list", options.IntraThreadNumList, v => v >= 0, "0 (ORT's choice) or more", required: false);
        Check(errors, "inter_thread_num_list", options.InterThreadNumList, v => v >= 0, "0 (ORT's choice) or more", required: false);
        if (options.AllowSpinningList.Length == 0)
        {
            errors.Add("allow_spinning_list: is empty; give true and/or false.");
        }

        if (options.ProviderOptionsList.Length == 0)
        {
            errors.Add("provider_options_list: is empty; give [{}] for the provider's defaults.");
        }

        if (options.CpuCores is < 1)
        {
            errors.Add($"cpu_cores: {options.CpuCores} must be at least 1.");
        }

        if (options.WarmupNum < 0 || options.RepeatTestNum < 3)
        {
            errors.Add($"warmup_num must be 0 or more and repeat_test_num at least 3 (a spread needs samples); got {options.WarmupNum} and {options.RepeatTestNum}.");
        }

        return errors;
    }

    private static void Check(List<string> errors, string key, int[] values, Func<int, bool> valid, string expected, bool required)
    {
        if (required && values.Length == 0)
        {
            errors.Add($"{key}: is empty; give at least one value: {expected}.");
        }

        foreach (var v in values.Where(v => !valid(v)))
        {
            errors.Add($"{key}: {v} is not valid; use {expected}.");
        }
    }

    /// <summary>The intra-op thread counts tried: the recipe's, else 1, 2, 4, … below the core count, then the core count.</summary>
    internal static IReadOnlyList<int> ThreadCandidates(OrtSessionParamsTuningOptions options)
    {
        if (options.IntraThreadNumList.Length > 0)
        {
            return options.IntraThreadNumList.Distinct().ToList();
        }

        var cores = options.CpuCores ?? Environment.ProcessorCount;
        var result = new List<int>();
        for (var t = 1; t < cores; t *= 2)
        {
            result.Add(t);
        }

        result.Add(cores);
        return result;
    }
}
