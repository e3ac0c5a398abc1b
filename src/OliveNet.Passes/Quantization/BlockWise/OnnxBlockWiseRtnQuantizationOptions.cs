using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>Options of <see cref="OnnxBlockWiseRtnQuantizationPass"/>, named as Olive names them.</summary>
public sealed record OnnxBlockWiseRtnQuantizationOptions
{
    /// <summary>Bits per weight, 4 or 8.</summary>
    [Option("Bits per weight: 4 (int4, about 7× smaller than float32 at block 128) or 8. Per-node exceptions go in customized_weight_config.", Candidates = new object[] { 4, 8 })]
    public int Bits { get; init; } = 4;

    /// <summary>Weights per block along K.</summary>
    [Option("Consecutive K values that share one scale (and zero point): a power of two from 16 to 256. Smaller blocks are more accurate and larger.", Candidates = new object[] { 32, 64, 128 })]
    public int BlockSize { get; init; } = 128;

    /// <summary>Symmetric (no zero points) or asymmetric blocks.</summary>
    [Option("Symmetric blocks (signed absmax scale, no zero points written) or asymmetric (min/max scale and a packed zero point per block).", Candidates = new object[] { true, false })]
    public bool IsSymmetric { get; init; } = true;

    /// <summary>MatMulNBits accuracy_level; null leaves it unset.</summary>
    [Option("MatMulNBits accuracy_level: the minimum precision the CPU kernel computes in (0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 activations). Null writes no attribute.")]
    public int? AccuracyLevel { get; init; }

    /// <summary>QOperator (MatMulNBits) or QDQ (blocked DequantizeLinear + MatMul).</summary>
    [Option("QOperator writes com.microsoft.MatMulNBits; QDQ writes DequantizeLinear(axis 0, block_size) on an int4/uint4 [K, N] weight then MatMul, which needs ai.onnx opset 21 or later in the model (the pass refuses otherwise instead of raising the opset, because other ops changed meaning between opsets).")]
    public string QuantFormat { get; init; } = "QOperator";

    /// <summary>MatMul node names to leave in float.</summary>
    [Option("Names of MatMul nodes to leave in float.")]
    public string[] NodesToExclude { get; init; } = [];

    /// <summary>When non-empty, only these MatMul nodes are quantized.</summary>
    [Option("When non-empty, only MatMul nodes with these names are quantized.")]
    public string[] NodesToInclude { get; init; } = [];

    /// <summary>Per-node overrides, e.g. <c>{"MatMul_3": {"bits": 8}}</c>.</summary>
    [Option("Per-node settings by MatMul node name; the only key is bits (4 or 8), e.g. {\"lm_head\": {\"bits\": 8}} for mixed 4/8-bit.")]
    public Dictionary<string, Dictionary<string, int>> CustomizedWeightConfig { get; init; } = [];

    /// <summary>Op types to quantize: MatMul, Gemm, and Gather for embeddings.</summary>
    [Option("Op types to quantize: MatMul (→ MatMulNBits; also com.microsoft FusedMatMul with a constant B, and a B behind Transpose/Reshape of a constant), Gemm with a constant B (rewritten to MatMul + Mul + Add first), and Gather on a constant 2-D float table (embeddings → com.microsoft.GatherBlockQuantized, 4-bit, blocks along the hidden axis, QOperator only). Opt-in for Gemm and Gather.")]
    public string[] OpTypesToQuantize { get; init; } = ["MatMul"];
}
