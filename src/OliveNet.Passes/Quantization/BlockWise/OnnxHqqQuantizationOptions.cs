using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>Options of <see cref="OnnxHqqQuantizationPass"/>, named as Olive names them.</summary>
public sealed record OnnxHqqQuantizationOptions
{
    /// <summary>Weights per block along K.</summary>
    [Option("Consecutive K values that share one scale and zero point: a power of two from 16 to 256.", Candidates = new object[] { 32, 64, 128 })]
    public int BlockSize { get; init; } = 128;

    /// <summary>The axis blocks run along; only 0 (K of the [K, N] MatMul weight).</summary>
    [Option("Axis of the [K, N] MatMul weight the blocks run along. Only 0 (K), the layout MatMulNBits reads.")]
    public int Axis { get; init; }

    /// <summary>MatMulNBits accuracy_level; null leaves it unset.</summary>
    [Option("MatMulNBits accuracy_level (0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 activations). Null writes no attribute.")]
    public int? AccuracyLevel { get; init; }

    /// <summary>MatMul node names to leave in float.</summary>
    [Option("Names of MatMul nodes to leave in float.")]
    public string[] NodesToExclude { get; init; } = [];

    /// <summary>When non-empty, only these MatMul nodes are quantized.</summary>
    [Option("When non-empty, only MatMul nodes with these names are quantized.")]
    public string[] NodesToInclude { get; init; } = [];
}
