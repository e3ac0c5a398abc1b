using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Quantization.Common;
using OliveNet.Passes.Quantization.Dynamic;
using OliveNet.Passes.Quantization.Static.Calibration;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>
/// Static INT8 quantization with the semantics of ONNX Runtime's <c>quantize_static</c>: activation ranges are calibrated
/// by running the model on calibration samples (a data folder or seeded random inputs), then Conv, MatMul and Gemm get
/// QuantizeLinear→DequantizeLinear activations, int8/uint8 weights and int32 biases, the QDQ pattern ONNX Runtime fuses
/// at load into QLinearConv, QLinearMatMul/MatMulIntegerToFloat and QGemm (standard ONNX, EP-neutral). com.microsoft.FusedMatMul
/// with a constant B and a MatMul whose B is a Transpose/Reshape of a constant are first rewritten to MatMul(A, constant). With
/// <c>quant_format: QOperator</c> the <see cref="QOperatorWriter"/> then writes those QLinear ops directly.
/// </summary>
public sealed partial class OnnxStaticQuantizationPass : IPass<OnnxStaticQuantizationOptions>
{
    private const long SizeThreshold = 1024;
    private const long QdqOpset = 10;

    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "OnnxStaticQuantization",
        Version: 2,
        Summary: "Static INT8 quantization (ONNX Runtime quantize_static semantics, QDQ or QOperator format): calibrated activations, int8 Conv/MatMul/Gemm weights, int32 biases.",
        Devices: [],
        ExecutionProviders: [],
        Precisions: ["int8"],
        Dataset: DatasetNeed.Optional,
        RunsOnTarget: false,
        TargetAgnostic: true)
    {
        Lossy = true,
    };

    /// <inheritdoc/>
    public void Run(PassContext context, OnnxStaticQuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var problems = Validate(options, context.Target);
        if (problems.Count > 0)
        {
            throw new PassFailedException("OnnxStaticQuantization: " + string.Join(" ", problems));
        }

        if (options.DataDir is { } dataDir && (!Directory.Exists(dataDir) || CalibrationInputs.SampleFolders(dataDir).Length == 0))
        {
            throw new PassFailedException(
                $"OnnxStaticQuantization: data_dir '{dataDir}' {(Directory.Exists(dataDir) ? "has no sample sub-folders" : "does not exist")}; " +
                "it must hold one folder per sample with input_<k>.pb files (the ONNX test-data layout).");
        }

        var settings = StaticQuantizationSettings.From(options);
        var model = OnnxModel.Load(context.Input.ModelPath);
        RaiseOpset(context, model, settings);
        if (settings.OpTypes.Contains("Conv") && BatchNormFolding.Apply(model, new UniqueNames(model), settings.NodesToExclude) is > 0 and var folded)
        {
            context.Log.WriteLine($"OnnxStaticQuantization: folded {folded} BatchNormalization node(s) into the Conv before them.");
        }

        if (settings.OpTypes.Contains("Conv") && ConvAffineFolding.Apply(model, new UniqueNames(model), settings.NodesToExclude) is > 0 and var affine)
        {
            context.Log.WriteLine($"OnnxStaticQuantization: folded {affine} constant Mul/Add node(s) into the Conv beside them (scale and shift of its weights and bias).");
        }

        if (settings.OpTypes.Contains("Conv") && HardSwishFusion.Apply(model, new UniqueNames(model)) is > 0 and var hardSwish)
        {
            context.Log.WriteLine($"OnnxStaticQuantization: rewrote {hardSwish} HardSwish(es) written as x·Clip(x+3, 0, 6)/6 into {(model.OpsetImports.GetValueOrDefault(string.Empty) >= 14 ? "HardSwish" : "x·HardSigmoid(x)")} (fewer float nodes between DequantizeLinear and QuantizeLinear).");
        }

        // FusedMatMul with a constant B, and MatMuls whose B is a Transpose/Reshape of a constant, become MatMul(A, constant)
        // first, the form the QDQ plan quantizes; Gemm has its own QDQ form (QGemm) and stays.
        MatMulFormsResult? forms = settings.OpTypes.Contains("MatMul")
            ? WeightMatMulForms.Apply(model, model.MainGraph, new UniqueNames(model), new MatMulFormSelection(
                n => n.OpType != "Gemm" && !settings.NodesToExclude.Contains(n.Name), Gemm: false, type => type == OnnxDataType.Float))
            : null;
        var quantizer = new QdqQuantizer(model, settings, forms);
        var tensors = quantizer.Plan();
        if (quantizer.Targets.Count + quantizer.ActivationTargets.Count == 0)
        {
            throw new PassFailedException(
                "OnnxStaticQuantization: nothing to quantize. " + quantizer.Tally.DescribeSkipped() + " Check op_types_to_quantize and nodes_to_exclude.");
        }

        var (ranges, samples) = Calibrate(context, model, settings, tensors);
        quantizer.Apply(ranges);
        var layout = settings.QOperator ? " " + QOperatorWriter.Rewrite(model, quantizer.Targets.Select(t => t.Node).Concat(quantizer.ActivationTargets.Select(t => t.Node))).Describe() : string.Empty;
        model.Save(context.OutputModelPath, new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal, SizeThreshold = SizeThreshold });
        context.Log.WriteLine(
            $"OnnxStaticQuantization: calibrated {ranges.Count} activation(s) with {options.CalibrateMethod} on {samples} " +
            $"{(options.DataDir is null ? "random" : "data_dir")} sample(s); {quantizer.Targets.Count + quantizer.ActivationTargets.Count} node(s) quantized " +
            $"({quantizer.Tally.QuantizedSummary()}), " +
            $"{quantizer.QuantizedActivations} Q/DQ pair(s), {quantizer.QuantizedBiases} int32 bias(es), {quantizer.RemovedActivations} Relu/Clip removed, {quantizer.OverriddenActivations} override(s) applied " +
            $"(activations {settings.ActivationType}, weights {settings.WeightType} {(settings.PerChannel ? "per channel" : "per tensor")}).{layout}" +
            Unused(options.TensorQuantOverrides.Keys.Where(k => !ranges.ContainsKey(k))));
        quantizer.Tally.WriteTo(context.Log, Metadata.Id);
    }

    private static (SortedDictionary<string, TensorRange> Ranges, int Samples) Calibrate(
        PassContext context, OnnxModel model, StaticQuantizationSettings settings, IReadOnlyList<string> tensors)
    {
        var options = settings.Options;
        Func<IReadOnlyList<Runtime.NodeMetadata>, IEnumerable<CalibrationSample>> samples = options.DataDir is { } dir
            ? inputs => CalibrationInputs.FromFolder(dir, inputs)
            : inputs => CalibrationInputs.Random(inputs, options.CalibrationSamples, options.Seed, options.DimValues);
        try
        {
            return ActivationCalibration.Run(model, Path.Combine(context.OutputFolder, ".calibration"), tensors, settings.NewCalibrator, samples, context.Cancellation);
        }
        catch (Exception ex) when (ex is InvalidDataException or Runtime.OrtException or OnnxFormatException)
        {
            throw new PassFailedException($"OnnxStaticQuantization: calibration failed: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Q/DQ need opset 10 and per-axis DQ 13: raises older models (9 → 11, or → 13 for per_channel) with the op converter
    /// shared with the dynamic pass, and refuses when an op cannot be converted.
    /// </summary>
    private static void RaiseOpset(PassContext context, OnnxModel model, StaticQuantizationSettings settings)
    {
        var opset = model.OpsetImports.GetValueOrDefault(string.Empty);
        var target = settings.PerChannel && opset < OpsetUpgrade.PerAxis ? OpsetUpgrade.PerAxis : opset < QdqOpset ? OpsetUpgrade.Target : opset;
        if (target == opset)
        {
            return;
        }

        var why = target == OpsetUpgrade.PerAxis ? "per_channel needs per-axis DequantizeLinear" : "QuantizeLinear needs 10";
        try
        {
            var converted = OpsetUpgrade.Apply(model, opset, target, new UniqueNames(model));
            context.Log.WriteLine($"OnnxStaticQuantization: raised ai.onnx opset {opset} to {target} ({why}); converted {converted} node(s) whose form changed.");
        }
        catch (InvalidOperationException ex)
        {
            throw new PassFailedException(
                $"OnnxStaticQuantization: '{context.Input.ModelPath}' imports ai.onnx opset {opset} and {ex.Message} ({why}). " +
                $"Re-export the model with opset {target} or later{(settings.PerChannel ? ", or set per_channel: false" : string.Empty)}.", ex);
        }
    }

    private static string Unused(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? string.Empty : $" tensor_quant_overrides not applied (not an activation of a quantized op): {string.Join(", ", list)}.";
    }
}
