using OliveNet.Passes.Quantization.Common;
using OliveNet.Passes.Quantization.Static.Calibration;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>Validated options in the form the calibrator and the rewriter use.</summary>
internal sealed record StaticQuantizationSettings(
    QuantType ActivationType,
    QuantType WeightType,
    bool ActivationSymmetric,
    bool WeightSymmetric,
    bool PerChannel,
    bool ReduceRange,
    IReadOnlySet<string> OpTypes,
    IReadOnlySet<string> NodesToExclude,
    OnnxStaticQuantizationOptions Options)
{
    /// <summary>Ops that get QDQ inputs, outputs and quantized weights.</summary>
    public static readonly string[] WeightOps = ["Conv", "MatMul", "Gemm"];

    /// <summary>Activations removed after a quantized op when activations are asymmetric.</summary>
    public static readonly string[] RemovableActivations = ["Relu", "Clip"];

    /// <summary>Ops with calibrated (or, for Softmax, fixed) activation inputs and output and no weight.</summary>
    public static readonly string[] ActivationOps = ["Add", "Mul", "Sigmoid", "LeakyRelu", "GlobalAveragePool", "AveragePool", "Concat", "Softmax"];

    /// <summary>Ops that run on a quantized input directly; their output keeps the input's scale and zero point.</summary>
    public static readonly string[] PassThroughOps = ["MaxPool", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Resize", "Split", "Gather"];

    /// <summary>Calibration methods.</summary>
    public static readonly string[] Methods = ["MinMax", "Entropy", "Percentile"];

    /// <summary>Parses an activation or weight type name; null when unknown.</summary>
    public static QuantType? ParseType(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "QINT8" or "INT8" or "S8" => QuantType.Int8,
        "QUINT8" or "UINT8" or "U8" => QuantType.UInt8,
        "QINT16" or "INT16" or "S16" => QuantType.Int16,
        "QUINT16" or "UINT16" or "U16" => QuantType.UInt16,
        _ => null,
    };

    /// <summary>Builds settings from options already checked by <see cref="OnnxStaticQuantizationPass.Validate"/>.</summary>
    public static StaticQuantizationSettings From(OnnxStaticQuantizationOptions options)
    {
        var weight = ParseType(options.WeightType) ?? throw new ArgumentException("weight_type was not validated.", nameof(options));
        return new StaticQuantizationSettings(
            ParseType(options.ActivationType) ?? throw new ArgumentException("activation_type was not validated.", nameof(options)),
            weight,
            options.ActivationSymmetric,
            options.WeightSymmetric ?? weight is QuantType.Int8 or QuantType.Int16,
            options.PerChannel,
            options.ReduceRange,
            options.OpTypesToQuantize.ToHashSet(StringComparer.Ordinal),
            options.NodesToExclude.ToHashSet(StringComparer.Ordinal),
            options);
    }

    /// <summary>Whether the output is in QOperator layout (QLinear ops) rather than QDQ.</summary>
    public bool QOperator => string.Equals(Options.QuantFormat, "QOperator", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether activations are 16-bit (ONNX Q/DQ take them from opset 21; below, com.microsoft Q/DQ).</summary>
    public bool SixteenBit => ActivationType is QuantType.UInt16 or QuantType.Int16;

    /// <summary>A fresh per-tensor calibrator of the configured method.</summary>
    public TensorCalibrator NewCalibrator() => Options.CalibrateMethod.ToUpperInvariant() switch
    {
        "ENTROPY" => new EntropyCalibrator(Options.NumBins ?? 2048, Options.NumQuantizedBins),
        "PERCENTILE" => new PercentileCalibrator(Options.NumBins ?? 2048, Options.Percentile),
        _ => new MinMaxCalibrator(Options.MovingAverage, Options.AveragingConstant),
    };

    /// <summary>Scale and zero point of an activation with the calibrated <paramref name="range"/>.</summary>
    public QuantParams ActivationParams(TensorRange range) =>
        QuantMath.Compute(range.Min, range.Max, ActivationType, ActivationSymmetric);
}
