using System.Text.Json;
using System.Text.Json.Nodes;
using OliveNet.Engine.Passes;
using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// Olive's SelectiveMixedPrecision on a Hugging Face checkpoint: chooses which modules get <c>high_bits</c> and records the
/// plan as <c>mixed_precision_info</c> (default plus per-module overrides) in the checkpoint's config.json; the weights
/// are copied unchanged. A following Rtn or Gptq quantizes by that plan. Each layer's q/k/v projections are chosen
/// together, since ModelBuilder packs them into one MatMulNBits; a tied LM head's choice also applies to the embeddings.
/// </summary>
public sealed class SelectiveMixedPrecisionPass : IPass<SelectiveMixedPrecisionOptions>, ICheckpointCheck
{
    /// <summary>The pass id (Olive's pass type name).</summary>
    public const string PassId = "SelectiveMixedPrecision";

    private static readonly string[] Algorithms = ["k_quant_last", "k_quant_down", "k_quant_mixed", "snr", "snr_relative", "iqe", "iqe_relative", "kld_gradient"];

    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: PassId,
        Version: 1,
        Summary: "Choose which modules of a Hugging Face checkpoint a following Rtn/Gptq quantizes at high_bits (k-quant layer patterns, weight-error scores, or kld_gradient on calibration text).",
        Devices: [],
        ExecutionProviders: [],
        Precisions: [],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true)
    {
        ReadsCheckpoint = true,
        WritesCheckpoint = true,
    };

    /// <inheritdoc/>
    public IReadOnlyList<string> CheckCheckpoint(string folder, object options) =>
        [.. ((SelectiveMixedPrecisionOptions)options).Algorithm == "kld_gradient"
                ? CheckpointArchitecture.Problems(folder, $"{PassId} kld_gradient runs the checkpoint's layers through the ModelBuilder export")
                : [],
         .. CheckpointInput.Qwen35Problems(folder, PassId, Qwen35Reason)];

    private const string Qwen35Reason = "its plan and kld_gradient calibration know only attention decoder layers";

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(SelectiveMixedPrecisionOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Algorithm is null || !Algorithms.Contains(options.Algorithm))
        {
            errors.Add($"algorithm: '{options.Algorithm ?? "(none)"}' is not one of {string.Join(", ", Algorithms)}.");
        }
        else if (!options.Algorithm.StartsWith("k_quant", StringComparison.Ordinal) && options.Ratio is not (> 0 and < 1))
        {
            errors.Add($"ratio: {options.Algorithm} needs a ratio between 0 and 1 (the fraction of parameters kept at bits).");
        }

        if (options.Algorithm == "kld_gradient")
        {
            CalibrationSamples.Validate(errors, PassId, options.CalibrationText, options.DataConfig, options.MaxSeqLen, options.MaxSamples, "kld_gradient (KL divergence from the float model's logits)");
        }

        CheckpointInput.Validate(errors, options.Bits, options.GroupSize);
        if (options.HighBits is not (2 or 4 or 8 or 16))
        {
            errors.Add($"high_bits: {options.HighBits} is not 2, 4, 8 or 16.");
        }

        return errors;
    }

    /// <inheritdoc/>
    public void Run(PassContext context, SelectiveMixedPrecisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var folder = CheckpointInput.Folder(context, PassId);
        CheckpointInput.Guard(() => Annotate(folder, context.OutputFolder, options, context.Log, context.Cancellation));
    }

    /// <summary>Copies the checkpoint in <paramref name="source"/> to <paramref name="output"/> with the plan in config.json.</summary>
    internal static void Annotate(string source, string output, SelectiveMixedPrecisionOptions options, TextWriter log, CancellationToken cancellation = default)
    {
        var config = CheckpointInput.Config(source);
        if (config[QuantizationConfig.Key] is not null)
        {
            throw new PlanException($"{PassId} plans the quantization of a float checkpoint, but this one is already quantized (config.json has quantization_config); run it first.");
        }

        CheckpointInput.RefuseQwen35(config, PassId, Qwen35Reason);
        var layers = config["num_hidden_layers"]?.GetValue<int>() ?? throw new PlanException($"{source}/config.json has no num_hidden_layers.");
        var tied = config["tie_word_embeddings"]?.GetValue<bool>() ?? false;
        JsonObject defaults;
        Dictionary<string, JsonObject> overrides;
        using (var checkpoint = SafeTensorsCheckpoint.Open(source))
        {
            var modules = MixedPrecisionScores.Modules(checkpoint, tied);
            if (options.Algorithm == "kld_gradient")
            {
                var units = MixedPrecisionScores.Units(modules);
                (defaults, overrides) = MixedPrecisionScores.Select(modules, units, KldScores(source, config, checkpoint, modules, units, options, output, log, cancellation), options);
            }
            else
            {
                (defaults, overrides) = options.Algorithm!.StartsWith("k_quant", StringComparison.Ordinal)
                    ? KQuant(modules, options.Algorithm, layers, options.Bits, options.HighBits)
                    : MixedPrecisionScores.Scored(checkpoint, modules, options);
            }
        }

        log.WriteLine($"{PassId}: {options.Algorithm} puts {overrides.Count} modules at {options.HighBits} bits, the rest at {options.Bits}");
        WritePlan(source, output, config, defaults, overrides, tied);
    }

    /// <summary>Copies the checkpoint in <paramref name="source"/> to <paramref name="output"/> with the plan as config.json's mixed_precision_info.</summary>
    internal static void WritePlan(string source, string output, JsonObject config, JsonObject defaults, Dictionary<string, JsonObject> overrides, bool tied)
    {
        if (tied && overrides.TryGetValue("lm_head", out var head))
        {
            overrides["model.embed_tokens"] = (JsonObject)head.DeepClone();
        }

        var sorted = new JsonObject();
        foreach (var (name, o) in overrides.OrderBy(kv => kv.Key, NaturalComparer.Instance))
        {
            sorted[name] = o;
        }

        Directory.CreateDirectory(output);
        foreach (var file in Directory.EnumerateFiles(source).Order(StringComparer.Ordinal).Where(f => !Path.GetFileName(f).StartsWith('.') && Path.GetFileName(f) != "config.json"))
        {
            File.Copy(file, Path.Combine(output, Path.GetFileName(file)), overwrite: true);
        }

        config[QuantizationConfig.MixedPrecisionKey] = new JsonObject { ["default"] = defaults, ["overrides"] = sorted };
        CheckpointWriter.WriteText(Path.Combine(output, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// kld_gradient's score per unit (keyed by its first module), as Olive's: −alignment per million parameters, lower
    /// meaning more sensitive (see <see cref="KldGradient"/>).
    /// </summary>
    internal static Dictionary<string, double> KldScores(
        string source, JsonObject config, SafeTensorsCheckpoint checkpoint, IReadOnlyList<MixedPrecisionScores.Module> modules, IReadOnlyList<string[]> units,
        SelectiveMixedPrecisionOptions options, string output, TextWriter log, CancellationToken cancellation = default)
    {
        var low = new QuantSpec(options.Bits, options.GroupSize, options.Sym);
        var high = new QuantSpec(options.HighBits, options.HighGroupSize ?? options.GroupSize, options.HighSym ?? options.Sym);
        foreach (var m in modules)
        {
            MixedPrecisionScores.CheckGroups(m, low, high);
        }

        var hf = HfConfig.Load(source);
        var samples = CalibrationSamples.Load(source, hf, PassId, options.CalibrationText, options.DataConfig, options.MaxSeqLen, options.MaxSamples);
        log.WriteLine($"{PassId}: kld_gradient on {samples.Count} samples of {samples[0].Length} tokens"
            + (CalibrationSamples.DefaultSource(options.CalibrationText, options.DataConfig) is { } from ? $" of {from}" : string.Empty) + $", {units.Count} units ({low} → {high})");
        var alignments = new KldGradient(config, hf, checkpoint, Path.Combine(output, ".kld-work"), log, cancellation).Alignments(modules, units, low, high, samples);
        var numel = modules.ToDictionary(m => m.Name, m => (long)m.Rows * m.Columns, StringComparer.Ordinal);
        return units.ToDictionary(u => u[0], u => -alignments[u[0]] / (Math.Max(u.Sum(n => numel[n]), 1) / 1e6), StringComparer.Ordinal);
    }

    /// <summary>Olive's k-quant patterns: the head, and in the first and last eighth of the layers and every third layer between, the down projection (and for k_quant_mixed the q/k/v).</summary>
    internal static (JsonObject Default, Dictionary<string, JsonObject> Overrides) KQuant(
        IReadOnlyList<MixedPrecisionScores.Module> modules, string algorithm, int layers, int bits, int highBits)
    {
        var overrides = new Dictionary<string, JsonObject>(StringComparer.Ordinal) { ["lm_head"] = new JsonObject { ["bits"] = highBits } };
        if (algorithm != "k_quant_last")
        {
            for (var i = 0; i < layers; i++)
            {
                if (!(i < layers / 8.0 || i >= 7 * layers / 8.0 || (i - (layers / 8)) % 3 == 2))
                {
                    continue;
                }

                var prefix = $"model.layers.{i}.";
                foreach (var m in modules.Where(m => m.Name.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    var leaf = m.Name[prefix.Length..];
                    var attention = leaf is "self_attn.q_proj" or "self_attn.k_proj" or "self_attn.v_proj" or "self_attn.qkv_proj";
                    if (leaf == "mlp.down_proj" || (algorithm == "k_quant_mixed" && attention))
                    {
                        overrides[m.Name] = new JsonObject { ["bits"] = highBits };
                    }
                }
            }
        }

        return (new JsonObject { ["bits"] = bits }, overrides);
    }

    /// <summary>Orders module names with their numeric parts as numbers (layers.2 before layers.10).</summary>
    private sealed class NaturalComparer : IComparer<string>
    {
        public static readonly NaturalComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? string.Empty).Split('.');
            var b = (y ?? string.Empty).Split('.');
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                var c = int.TryParse(a[i], out var ia) && int.TryParse(b[i], out var ib) ? ia.CompareTo(ib) : string.CompareOrdinal(a[i], b[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return a.Length.CompareTo(b.Length);
        }
    }
}
