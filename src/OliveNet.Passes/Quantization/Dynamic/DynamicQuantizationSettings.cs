using OliveNet.Passes.Quantization.Common;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>Validated options in the form the rewriter uses.</summary>
internal sealed record DynamicQuantizationSettings(
    QuantType WeightType,
    bool WeightSymmetric,
    bool ReduceRange,
    bool PerChannel,
    bool QuantizeMatMul,
    bool QuantizeGemm,
    bool QuantizeConv,
    bool QuantizeAttention,
    bool QuantizeLstm,
    IReadOnlySet<string> NodesToQuantize,
    IReadOnlySet<string> NodesToExclude,
    bool MatMulConstBOnly,
    bool EnableSubgraph)
{
    /// <summary>
    /// Op types this pass rewrites. MatMul covers com.microsoft.FusedMatMul with a constant B too (the form ONNX Runtime's
    /// fusion leaves), rewritten to MatMul first. Gemm with a constant B is rewritten to MatMul (+ Mul by alpha, + Add of
    /// beta·C) and quantized as a MatMul; ONNX Runtime's dynamic mode has no Gemm rule, so it is opt-in (not a default).
    /// </summary>
    public static readonly string[] Supported = ["MatMul", "Gemm", "Conv", "Attention", "LSTM"];

    /// <summary>
    /// Op types accepted in <c>op_types_to_quantize</c> (so Olive recipes that list them still run) but left in float, with
    /// a log line saying so: Gather, Transpose and EmbedLayerNormalization, which ONNX Runtime's registry would quantize and
    /// this pass does not.
    /// </summary>
    public static readonly string[] LeftInFloat = ["Gather", "Transpose", "EmbedLayerNormalization"];

    /// <summary>The weight integer range.</summary>
    public (int QMin, int QMax) WeightRange => QuantMath.Range(WeightType, ReduceRange, WeightSymmetric);

    /// <summary>Parses <c>weight_type</c>; null when it names no 8-bit type.</summary>
    public static QuantType? ParseWeightType(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "QINT8" or "INT8" or "S8" => QuantType.Int8,
        "QUINT8" or "UINT8" or "U8" => QuantType.UInt8,
        _ => null,
    };

    /// <summary>Builds settings from options already checked by <see cref="OnnxDynamicQuantizationPass.Validate"/>.</summary>
    public static DynamicQuantizationSettings From(OnnxDynamicQuantizationOptions options)
    {
        var type = ParseWeightType(options.WeightType) ?? throw new ArgumentException("weight_type was not validated.", nameof(options));
        var ops = options.OpTypesToQuantize.ToHashSet(StringComparer.Ordinal);
        return new DynamicQuantizationSettings(
            type,
            options.WeightSymmetric ?? type == QuantType.Int8,
            options.ReduceRange,
            options.PerChannel,
            ops.Contains("MatMul"),
            ops.Contains("Gemm"),
            ops.Contains("Conv"),
            ops.Contains("Attention"),
            ops.Contains("LSTM"),
            options.NodesToQuantize.ToHashSet(StringComparer.Ordinal),
            options.NodesToExclude.ToHashSet(StringComparer.Ordinal),
            options.MatmulConstBOnly,
            options.EnableSubgraph);
    }

    /// <summary>Whether the node's name passes <c>nodes_to_quantize</c> and <c>nodes_to_exclude</c>.</summary>
    public bool Selects(string nodeName) =>
        (NodesToQuantize.Count == 0 || NodesToQuantize.Contains(nodeName)) && !NodesToExclude.Contains(nodeName);
}
