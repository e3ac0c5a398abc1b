using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>Option checks that binding cannot do.</summary>
public sealed partial class OnnxStaticQuantizationPass
{
    private static readonly string[] OpTypes =
    [
        .. StaticQuantizationSettings.WeightOps, .. StaticQuantizationSettings.RemovableActivations,
        .. StaticQuantizationSettings.ActivationOps, .. StaticQuantizationSettings.PassThroughOps,
    ];

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(OnnxStaticQuantizationOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var qOperator = string.Equals(options.QuantFormat, "QOperator", StringComparison.OrdinalIgnoreCase);
        if (!qOperator && !string.Equals(options.QuantFormat, "QDQ", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"quant_format: '{options.QuantFormat}' is not one of QDQ, QOperator.");
        }

        if (!StaticQuantizationSettings.Methods.Contains(options.CalibrateMethod, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"calibrate_method: '{options.CalibrateMethod}' is not one of {string.Join(", ", StaticQuantizationSettings.Methods)}{Hint(options.CalibrateMethod, StaticQuantizationSettings.Methods)}.");
        }

        var activation = StaticQuantizationSettings.ParseType(options.ActivationType);
        var weight = StaticQuantizationSettings.ParseType(options.WeightType);
        if (activation is null)
        {
            errors.Add($"activation_type: '{options.ActivationType}' is not one of QUInt8, QInt8, QUInt16, QInt16.");
        }

        if (weight is null or Common.QuantType.UInt16 or Common.QuantType.Int16)
        {
            errors.Add($"weight_type: '{options.WeightType}' is not one of QInt8, QUInt8.");
        }

        if (qOperator && activation is Common.QuantType.UInt16 or Common.QuantType.Int16)
        {
            errors.Add($"activation_type: {options.ActivationType} needs quant_format QDQ; the QLinear ops of the QOperator format take 8-bit tensors only.");
        }

        if (activation == Common.QuantType.Int8 && weight == Common.QuantType.UInt8)
        {
            errors.Add("weight_type: QUInt8 weights with QInt8 activations is a combination ONNX Runtime rejects (no kernel); use QInt8 weights or QUInt8 activations.");
        }

        if (options.DataDir is { } dir && !Path.IsPathFullyQualified(dir))
        {
            errors.Add($"data_dir: '{dir}' is relative; the pass sees only the model, not the recipe's folder, so give an absolute path.");
        }

        if (options.DataDir is null && options.CalibrationSamples < 1)
        {
            errors.Add($"calibration_samples: {options.CalibrationSamples} must be at least 1.");
        }

        if (options.AveragingConstant is <= 0 or > 1)
        {
            errors.Add($"averaging_constant: {options.AveragingConstant} must be in (0, 1].");
        }

        if (options.NumBins is < 1 || options.NumQuantizedBins < 2 || (options.NumBins ?? 2048) < options.NumQuantizedBins)
        {
            errors.Add($"num_bins: {options.NumBins} must be at least num_quantized_bins ({options.NumQuantizedBins}), which must be at least 2.");
        }

        if (options.Percentile is <= 0 or > 100)
        {
            errors.Add($"percentile: {options.Percentile} must be in (0, 100].");
        }

        foreach (var (tensor, fixedParams) in options.TensorQuantOverrides ?? [])
        {
            if (fixedParams is null || !(fixedParams.Scale > 0) || !float.IsFinite(fixedParams.Scale))
            {
                errors.Add($"tensor_quant_overrides.{tensor}.scale: must be a positive finite number.");
            }
            else if (activation is { } type && Common.QuantMath.Range(type) is var (qmin, qmax) && (fixedParams.ZeroPoint < qmin || fixedParams.ZeroPoint > qmax))
            {
                errors.Add($"tensor_quant_overrides.{tensor}.zero_point: {fixedParams.ZeroPoint} is outside {type}'s range {qmin}..{qmax}.");
            }
        }

        foreach (var op in options.OpTypesToQuantize ?? [])
        {
            if (!OpTypes.Contains(op, StringComparer.Ordinal))
            {
                errors.Add($"op_types_to_quantize: '{op}' is not an op type this pass quantizes{Hint(op, OpTypes)}; it handles {string.Join(", ", OpTypes)}.");
            }
        }

        if (options.OpTypesToQuantize is not null &&
            !options.OpTypesToQuantize.Intersect([.. StaticQuantizationSettings.WeightOps, .. StaticQuantizationSettings.ActivationOps]).Any())
        {
            errors.Add("op_types_to_quantize: lists none of Conv, MatMul, Gemm, Add, Mul, Sigmoid, LeakyRelu, GlobalAveragePool, AveragePool, Concat, Softmax, so nothing would be quantized.");
        }

        return errors;
    }

    private static string Hint(string value, IEnumerable<string> known) =>
        known.FirstOrDefault(k => string.Equals(k, value, StringComparison.OrdinalIgnoreCase) ||
            (value.Length > 2 && k.StartsWith(value[..2], StringComparison.OrdinalIgnoreCase))) is { } match
            ? $" (did you mean {match}?)"
            : string.Empty;
}
