using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>
/// Weight-only round-to-nearest block quantization of MatMul weights to 4 or 8 bits, as ONNX Runtime's
/// <c>MatMulNBitsQuantizer</c> (default algorithm) does: constant <c>[K, N]</c> float32/float16/bfloat16 weights (also of
/// com.microsoft.FusedMatMul, and of Gemm when listed) become
/// <c>com.microsoft.MatMulNBits</c> inputs (QOperator) or blocked DequantizeLinear + MatMul (QDQ, opset ≥ 21).
/// Activations stay float, so no data is needed. The output is the same for any target.
/// </summary>
public sealed class OnnxBlockWiseRtnQuantizationPass : IPass<OnnxBlockWiseRtnQuantizationOptions>
{
    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "OnnxBlockWiseRtnQuantization",
        Version: 2,
        Summary: "Quantize MatMul weights block-wise to int4/int8 by round-to-nearest (com.microsoft.MatMulNBits or blocked QDQ).",
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
    public IReadOnlyList<string> Validate(OnnxBlockWiseRtnQuantizationOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Bits is not (4 or 8))
        {
            errors.Add($"bits: {options.Bits} is not supported; use 4 or 8.");
        }

        BlockWiseValidation.BlockSize(options.BlockSize, errors);
        BlockWiseValidation.AccuracyLevel(options.AccuracyLevel, errors);
        if (!IsQOperator(options.QuantFormat) && !IsQdq(options.QuantFormat))
        {
            errors.Add($"quant_format: '{options.QuantFormat}' is not one of QOperator, QDQ.");
        }

        foreach (var (node, config) in options.CustomizedWeightConfig)
        {
            foreach (var (key, value) in config)
            {
                if (key != "bits")
                {
                    errors.Add($"customized_weight_config.{node}.{key}: not supported; the only per-node setting is bits (4 or 8).");
                }
                else if (value is not (4 or 8))
                {
                    errors.Add($"customized_weight_config.{node}.bits: {value} is not supported; use 4 or 8.");
                }
            }
        }

        foreach (var op in options.OpTypesToQuantize.Where(o => o is not ("MatMul" or "Gather" or "Gemm")))
        {
            errors.Add($"op_types_to_quantize: '{op}' is not supported; use MatMul, Gemm and/or Gather.");
        }

        if (!options.OpTypesToQuantize.Contains("MatMul", StringComparer.Ordinal))
        {
            errors.Add("op_types_to_quantize: MatMul must be listed; this pass always quantizes MatMul (use nodes_to_exclude to keep some in float).");
        }

        if (options.OpTypesToQuantize.Contains("Gather", StringComparer.Ordinal) && (options.Bits != 4 || IsQdq(options.QuantFormat)))
        {
            errors.Add("op_types_to_quantize: Gather is quantized to 4-bit GatherBlockQuantized only; set bits: 4 and quant_format: QOperator, or remove Gather.");
        }

        return errors;
    }

    /// <inheritdoc/>
    public void Run(PassContext context, OnnxBlockWiseRtnQuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var settings = new BlockWiseSettings(
            Metadata.Id,
            options.BlockSize,
            options.AccuracyLevel,
            IsQdq(options.QuantFormat),
            options.NodesToExclude.ToHashSet(StringComparer.Ordinal),
            options.NodesToInclude.ToHashSet(StringComparer.Ordinal),
            name => options.CustomizedWeightConfig.TryGetValue(name, out var c) && c.TryGetValue("bits", out var b) ? b : options.Bits,
            (raw, k, n, bits) => BlockQuantizer.QuantizeRaw(raw, k, n, bits, options.BlockSize, options.IsSymmetric))
        {
            QuantizeGather = options.OpTypesToQuantize.Contains("Gather", StringComparer.Ordinal),
            QuantizeGemm = options.OpTypesToQuantize.Contains("Gemm", StringComparer.Ordinal),
            GatherSymmetric = options.IsSymmetric,
        };
        BlockWiseMatMulRewriter.Run(context, settings);
    }

    private static bool IsQOperator(string format) => string.Equals(format, "QOperator", StringComparison.OrdinalIgnoreCase);

    private static bool IsQdq(string format) => string.Equals(format, "QDQ", StringComparison.OrdinalIgnoreCase);
}
