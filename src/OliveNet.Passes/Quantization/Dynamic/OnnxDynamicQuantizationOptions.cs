using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>
/// Options of <see cref="OnnxDynamicQuantizationPass"/>, named as Olive and ONNX Runtime's <c>quantize_dynamic</c> name
/// them (the <c>extra_options</c> entries are flattened to snake_case keys).
/// </summary>
[OliveOption("precision", SameAs = "weight_type")]
[OliveOption("quant_preprocess", Ignored = "ONNX Runtime's quant_pre_process (shape inference and its graph optimizations before quantizing) is not run; put OnnxPeepholeOptimizer or OrtTransformersOptimization before this pass for a similar effect")]
[OliveOption("op_types_to_exclude", RemovesFrom = "op_types_to_quantize")]
public sealed record OnnxDynamicQuantizationOptions
{
    /// <summary>Integer type of the weights: QInt8 or QUInt8 (int8/uint8 accepted).</summary>
    [Option(
        "Integer type of the weights: QInt8 (default, symmetric) or QUInt8 (asymmetric); int8 and uint8 are accepted too. " +
        "Activations are always uint8, quantized at run time by DynamicQuantizeLinear.",
        Candidates = new object[] { "QInt8", "QUInt8" })]
    public string WeightType { get; init; } = "QInt8";

    /// <summary>One scale and zero point per output channel instead of per tensor.</summary>
    [Option(
        "Quantize weights per output channel (MatMul: one scale per column N of B [K,N]; Conv: one per output channel, axis 0) " +
        "instead of one scale per tensor. More accurate, same speed.",
        Candidates = new object[] { false, true })]
    public bool PerChannel { get; init; }

    /// <summary>7-bit weights (int8 −64..64, uint8 0..127) for CPUs without VNNI, where u8×s8 products can saturate.</summary>
    [Option("Quantize weights to 7 bits (int8 −64..64, uint8 0..127) to avoid u8×s8 saturation on x86 CPUs without VNNI. Costs accuracy.")]
    public bool ReduceRange { get; init; }

    /// <summary>Operator types to quantize.</summary>
    [Option(
        "Operator types to quantize: MatMul (also com.microsoft FusedMatMul with a constant B, and a B behind Transpose/Reshape " +
        "of a constant), Conv, com.microsoft Attention (→ QAttention; OrtTransformersOptimization makes Attention) and LSTM " +
        "(→ DynamicQuantizeLSTM, int8 weights) — ONNX Runtime's IntegerOps set; opt-in Gemm with a constant B (rewritten to " +
        "MatMul + Mul + Add, which ONNX Runtime's dynamic mode leaves in float). Gather, Transpose and EmbedLayerNormalization " +
        "are accepted and left in float (noted in the log); any other name is an error.")]
    public string[] OpTypesToQuantize { get; init; } = ["MatMul", "Conv", "Attention", "LSTM"];

    /// <summary>When non-empty, only these node names are quantized.</summary>
    [Option("When non-empty, quantize only the nodes with these names (and of the op types above).")]
    public string[] NodesToQuantize { get; init; } = [];

    /// <summary>Node names left in float.</summary>
    [Option("Names of nodes to leave in float.")]
    public string[] NodesToExclude { get; init; } = [];

    /// <summary>Quantize only MatMuls whose B input is a constant weight.</summary>
    [Option(
        "Quantize only MatMuls whose B input is a constant (initializer or Constant node). False also quantizes MatMuls of two " +
        "activations, both with DynamicQuantizeLinear (attention scores); ONNX Runtime does not fuse those.")]
    public bool MatmulConstBOnly { get; init; } = true;

    /// <summary>Also quantize inside If/Loop/Scan bodies.</summary>
    [Option("Also quantize nodes inside If, Loop and Scan bodies (their weights may live in an enclosing graph).")]
    public bool EnableSubgraph { get; init; }

    /// <summary>Symmetric weights; null means true for QInt8 and false for QUInt8, as ONNX Runtime decides.</summary>
    [Option("Symmetric weight quantization (zero point in the middle of the range). Unset: true for QInt8, false for QUInt8, as ONNX Runtime does.")]
    public bool? WeightSymmetric { get; init; }

    /// <summary>Must stay false: DynamicQuantizeLinear is asymmetric uint8.</summary>
    [Option("Symmetric activations. Only false is supported: DynamicQuantizeLinear (what ONNX Runtime fuses) is asymmetric uint8.")]
    public bool ActivationSymmetric { get; init; }
}
