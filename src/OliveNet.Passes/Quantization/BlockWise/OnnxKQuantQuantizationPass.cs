using System.Text.RegularExpressions;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;

namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>
/// Olive's OnnxKQuantQuantization: weight-only quantization of constant MatMul weights to 4 or 8 bits with the k-quant
/// block search (<see cref="KQuantBlockQuantizer"/>: asymmetric, importance-weighted least squares), written as
/// <c>com.microsoft.MatMulNBits</c> with zero points. Per-node bits and group size (mixed 4/8-bit) come from
/// customized_weight_config. Activations stay float, so no data is needed.
/// </summary>
public sealed class OnnxKQuantQuantizationPass : IPass<OnnxKQuantQuantizationOptions>
{
    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "OnnxKQuantQuantization",
        Version: 1,
        Summary: "Quantize MatMul weights to int4/int8 MatMulNBits with k-quant's importance-weighted scale and minimum search (per-node bits for mixed precision).",
        Devices: ["cpu", "gpu"],
        ExecutionProviders: [],
        Precisions: ["int4", "int8"],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true)
    {
        Lossy = true,
        AllComponents = true,
    };

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(OnnxKQuantQuantizationOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Bits is not (4 or 8))
        {
            errors.Add($"bits: {options.Bits} is not supported; use 4 or 8.");
        }

        BlockWiseValidation.BlockSize(options.BlockSize, errors);
        if (options.AccuracyLevel is not (null or 0))
        {
            BlockWiseValidation.AccuracyLevel(options.AccuracyLevel, errors);
        }

        foreach (var (node, config) in options.CustomizedWeightConfig)
        {
            foreach (var (key, value) in config)
            {
                switch (key)
                {
                    case "bits" when value is not (4 or 8):
                        errors.Add($"customized_weight_config.{node}.bits: {value} is not supported; use 4 or 8.");
                        break;
                    case "group_size":
                        var nested = new List<string>();
                        BlockWiseValidation.BlockSize(value, nested);
                        errors.AddRange(nested.Select(e => $"customized_weight_config.{node}.{e}"));
                        break;
                    case not ("bits" or "group_size"):
                        errors.Add($"customized_weight_config.{node}.{key}: not supported; the per-node settings are bits and group_size.");
                        break;
                }
            }
        }

        return errors;
    }

    /// <inheritdoc/>
    public void Run(PassContext context, OnnxKQuantQuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var settings = new BlockWiseSettings(
            Metadata.Id,
            options.BlockSize,
            options.AccuracyLevel is 0 ? null : options.AccuracyLevel,
            Qdq: false,
            Excluded(context.Input.ModelPath, options.NodesToExclude),
            new HashSet<string>(StringComparer.Ordinal),
            name => Setting(options, name, "bits", options.Bits),
            (raw, k, n, bits) => KQuantBlockQuantizer.Quantize(raw, k, n, bits, options.BlockSize))
        {
            BlockSizeFor = name => Setting(options, name, "group_size", options.BlockSize),
            QuantizeBlocks = KQuantBlockQuantizer.Quantize,
        };
        BlockWiseMatMulRewriter.Run(context, settings);
        Graph.CompanionFiles.Copy(context, OnnxModel.Load(context.Input.ModelPath));
    }

    private static int Setting(OnnxKQuantQuantizationOptions options, string node, string key, int fallback) =>
        options.CustomizedWeightConfig.TryGetValue(node, out var c) && c.TryGetValue(key, out var v) ? v : fallback;

    /// <summary>The node names excluded: exact entries, plus every node name of the model that an entry with * or ? matches as a glob.</summary>
    private static HashSet<string> Excluded(string modelPath, string[] entries)
    {
        var excluded = entries.ToHashSet(StringComparer.Ordinal);
        var globs = entries.Where(e => e.Contains('*', StringComparison.Ordinal) || e.Contains('?', StringComparison.Ordinal))
            .Select(e => new Regex("^" + Regex.Escape(e).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.Singleline | RegexOptions.CultureInvariant))
            .ToList();
        foreach (var path in globs.Count > 0 ? ModelComponents.Paths(modelPath) : [])
        {
            var model = OnnxModel.Load(path);
            excluded.UnionWith(model.AllGraphs().SelectMany(g => g.Nodes).Select(n => n.Name).Where(name => globs.Any(g => g.IsMatch(name))));
        }

        return excluded;
    }
}
