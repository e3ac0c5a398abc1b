using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>
/// Weight-only 4-bit block quantization of MatMul weights with Half-Quadratic Quantization (<see cref="HqqBlockOptimizer"/>):
/// per block, an asymmetric scale and a float zero point chosen by HQQ's proximal iterations, written as
/// <c>com.microsoft.MatMulNBits</c> with float zero points (<c>[N·k_blocks]</c>, the scales' type). No data is needed.
/// </summary>
public sealed class OnnxHqqQuantizationPass : IPass<OnnxHqqQuantizationOptions>
{
    private const int Bits = 4;

    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "OnnxHqqQuantization",
        Version: 2,
        Summary: "Quantize MatMul weights block-wise to int4 with Half-Quadratic Quantization (com.microsoft.MatMulNBits, float zero points).",
        Devices: ["cpu", "gpu"],
        ExecutionProviders: [],
        Precisions: ["int4"],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true)
    {
        Lossy = true,
        AllComponents = true,
    };

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(OnnxHqqQuantizationOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        BlockWiseValidation.BlockSize(options.BlockSize, errors);
        BlockWiseValidation.AccuracyLevel(options.AccuracyLevel, errors);
        if (options.Axis != 0)
        {
            errors.Add($"axis: {options.Axis} is not supported; blocks run along K (axis 0 of the [K, N] weight), the only layout MatMulNBits reads. Use 0.");
        }

        return errors;
    }

    /// <inheritdoc/>
    public void Run(PassContext context, OnnxHqqQuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var settings = new BlockWiseSettings(
            Metadata.Id,
            options.BlockSize,
            options.AccuracyLevel,
            Qdq: false,
            options.NodesToExclude.ToHashSet(StringComparer.Ordinal),
            options.NodesToInclude.ToHashSet(StringComparer.Ordinal),
            _ => Bits,
            (raw, k, n, bits) => BlockQuantizer.QuantizeRaw(raw, k, n, bits, options.BlockSize, symmetric: false, HqqBlockOptimizer.Instance));
        BlockWiseMatMulRewriter.Run(context, settings);
    }
}
