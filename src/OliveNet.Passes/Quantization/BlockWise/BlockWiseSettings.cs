namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>What <see cref="BlockWiseMatMulRewriter"/> does, resolved from a pass's options.</summary>
/// <param name="PassId">The pass name for log lines and errors.</param>
/// <param name="BlockSize">K values per block.</param>
/// <param name="AccuracyLevel">MatMulNBits accuracy_level, or null for none.</param>
/// <param name="Qdq">Write blocked DequantizeLinear + MatMul instead of MatMulNBits.</param>
/// <param name="Exclude">MatMul names left in float.</param>
/// <param name="Include">When non-empty, the only MatMul names quantized.</param>
/// <param name="BitsFor">Bits for a MatMul node name.</param>
/// <param name="Quantize">Quantizes float32 raw bytes of a <c>[k, n]</c> weight with the given bits.</param>
internal sealed record BlockWiseSettings(
    string PassId,
    int BlockSize,
    int? AccuracyLevel,
    bool Qdq,
    IReadOnlySet<string> Exclude,
    IReadOnlySet<string> Include,
    Func<string, int> BitsFor,
    Func<byte[], int, int, int, BlockQuantizedWeight> Quantize)
{
    /// <summary>Also turn constant-table Gathers (embeddings) into com.microsoft.GatherBlockQuantized (4-bit, QOperator only).</summary>
    public bool QuantizeGather { get; init; }

    /// <summary>Also rewrite Gemm with a constant B to MatMul (+ Mul by alpha, + Add of beta·C) and quantize it.</summary>
    public bool QuantizeGemm { get; init; }

    /// <summary>Block size for a MatMul node name when it may differ from <see cref="BlockSize"/> (per-node group_size); null = always <see cref="BlockSize"/>.</summary>
    public Func<string, int>? BlockSizeFor { get; init; }

    /// <summary>Quantizes float32 raw bytes of a <c>[k, n]</c> weight with the given bits and block size; when set, used instead of <see cref="Quantize"/>.</summary>
    public Func<byte[], int, int, int, int, BlockQuantizedWeight>? QuantizeBlocks { get; init; }

    /// <summary>Symmetric blocks for the Gather tables (MatMul weights use <see cref="Quantize"/>).</summary>
    public bool GatherSymmetric { get; init; }
}
