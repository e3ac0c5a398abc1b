using OliveNet.Engine.Passes;
using OliveNet.Onnx;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>
/// Dynamic INT8 quantization with the semantics of ONNX Runtime's <c>quantize_dynamic</c> (IntegerOps mode): weights of
/// MatMul and Conv are stored as int8/uint8 with scales and zero points; activations are quantized to uint8 at run time by
/// DynamicQuantizeLinear. The MatMul pattern is the one ONNX Runtime fuses at load into <c>DynamicQuantizeMatMul</c>;
/// com.microsoft.Attention becomes com.microsoft.QAttention and LSTM com.microsoft.DynamicQuantizeLSTM. The forms ONNX Runtime's
/// fusion leaves (com.microsoft.FusedMatMul, a MatMul whose B is a Transpose/Reshape of a constant, and Gemm when listed)
/// are first rewritten to MatMul with a constant B (<see cref="Common.WeightMatMulForms"/>). Target-agnostic: the output is standard ONNX.
/// </summary>
public sealed class OnnxDynamicQuantizationPass : IPass<OnnxDynamicQuantizationOptions>
{
    private const long SizeThreshold = 1024;
    private const long MinimumOpset = 9;

    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "OnnxDynamicQuantization",
        Version: 2,
        Summary: "Dynamic INT8 quantization (ONNX Runtime quantize_dynamic semantics): int8/uint8 MatMul, Conv, Attention (→ QAttention) and LSTM (→ DynamicQuantizeLSTM) weights, uint8 activations at run time.",
        Devices: ["cpu"],
        ExecutionProviders: [],
        Precisions: ["int8"],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true)
    {
        Lossy = true,
    };

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(OnnxDynamicQuantizationOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (DynamicQuantizationSettings.ParseWeightType(options.WeightType) is null)
        {
            errors.Add($"weight_type: '{options.WeightType}' is not one of QInt8, QUInt8 (int8 and uint8 are accepted too); dynamic quantization stores 8-bit weights only.");
        }

        if (options.ActivationSymmetric)
        {
            errors.Add("activation_symmetric: true is not supported; DynamicQuantizeLinear, the op ONNX Runtime fuses, quantizes activations to asymmetric uint8. Set it to false.");
        }

        var known = DynamicQuantizationSettings.Supported.Concat(DynamicQuantizationSettings.LeftInFloat).ToList();
        foreach (var op in options.OpTypesToQuantize ?? [])
        {
            if (!known.Contains(op, StringComparer.Ordinal))
            {
                var hint = known.FirstOrDefault(k => string.Equals(k, op, StringComparison.OrdinalIgnoreCase));
                errors.Add($"op_types_to_quantize: '{op}' is not an op type dynamic quantization handles" +
                    (hint is null ? string.Empty : $" (did you mean {hint}?)") +
                    $"; quantized: {string.Join(", ", DynamicQuantizationSettings.Supported)}; accepted and left in float: {string.Join(", ", DynamicQuantizationSettings.LeftInFloat)}.");
            }
        }

        if (options.OpTypesToQuantize is { Length: 0 })
        {
            errors.Add("op_types_to_quantize: the list is empty, so nothing would be quantized; list MatMul, Conv, Attention and/or LSTM, or leave it out.");
        }

        foreach (var both in (options.NodesToQuantize ?? []).Intersect(options.NodesToExclude ?? [], StringComparer.Ordinal))
        {
            errors.Add($"nodes_to_exclude: '{both}' is also in nodes_to_quantize; list it in one of them only.");
        }

        return errors;
    }

    /// <inheritdoc/>
    public void Run(PassContext context, OnnxDynamicQuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var problems = Validate(options, context.Target);
        if (problems.Count > 0)
        {
            throw new PassFailedException("OnnxDynamicQuantization: " + string.Join(" ", problems));
        }

        var model = OnnxModel.Load(context.Input.ModelPath);
        var opset = model.OpsetImports.GetValueOrDefault(string.Empty);
        if (opset < MinimumOpset)
        {
            throw new PassFailedException(
                $"OnnxDynamicQuantization: '{context.Input.ModelPath}' imports ai.onnx opset {opset}; dynamic quantization needs opset 11 " +
                $"(DynamicQuantizeLinear) and raises opset {MinimumOpset} or 10 automatically, not older ones. Re-export the model with opset 11 or later.");
        }

        if (opset < OpsetUpgrade.Target)
        {
            try
            {
                var converted = OpsetUpgrade.Apply(model, opset, new UniqueNames(model));
                context.Log.WriteLine($"OnnxDynamicQuantization: raised ai.onnx opset {opset} to {OpsetUpgrade.Target} (DynamicQuantizeLinear needs it); converted {converted} Clip/Slice/Pad/TopK node(s).");
            }
            catch (InvalidOperationException ex)
            {
                throw new PassFailedException(
                    $"OnnxDynamicQuantization: '{context.Input.ModelPath}' imports ai.onnx opset {opset} and {ex.Message}. Re-export the model with opset 11 or later.", ex);
            }
        }

        var settings = DynamicQuantizationSettings.From(options);
        var quantizer = new DynamicQuantizer(model, settings, context.Cancellation);
        quantizer.Run();
        if (quantizer.Tally.Total == 0)
        {
            throw new PassFailedException(
                "OnnxDynamicQuantization: nothing was quantized. " + quantizer.Tally.DescribeSkipped() +
                " Check op_types_to_quantize, nodes_to_quantize and nodes_to_exclude.");
        }

        model.Save(context.OutputModelPath, new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal, SizeThreshold = SizeThreshold });
        var leftInFloat = options.OpTypesToQuantize.Intersect(DynamicQuantizationSettings.LeftInFloat, StringComparer.Ordinal).ToList();
        context.Log.WriteLine(
            $"OnnxDynamicQuantization: {quantizer.MatMuls} MatMul, {quantizer.Convs} Conv, {quantizer.Attentions} Attention and {quantizer.Lstms} LSTM quantized " +
            $"({settings.WeightType}, {(settings.PerChannel ? "per channel" : "per tensor")}, {(settings.WeightSymmetric ? "symmetric" : "asymmetric")} weights" +
            $"{(settings.ReduceRange ? ", reduced range" : string.Empty)})." +
            string.Concat(quantizer.Notes.Select(kv => $" Note: {kv.Key} for {kv.Value.Count} node(s).")) +
            (leftInFloat.Count > 0 ? $" Listed but left in float: {string.Join(", ", leftInFloat)} (not quantized by this pass)." : string.Empty));
        quantizer.Tally.WriteTo(context.Log, Metadata.Id);
    }
}
