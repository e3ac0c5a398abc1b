using OliveNet.Engine.Passes;
using OliveNet.Passes.Quantization.Dynamic;
using OliveNet.Passes.Quantization.Static;

namespace OliveNet.Passes.Quantization.Umbrella;

/// <summary>
/// Olive's <c>OnnxQuantization</c>: <c>quant_mode</c> static runs <see cref="OnnxStaticQuantizationPass"/>, dynamic runs
/// <see cref="OnnxDynamicQuantizationPass"/>, each with the options that belong to it. Setting an option of the other mode
/// is an error rather than silently ignored.
/// </summary>
public sealed class OnnxQuantizationPass : IPass<OnnxQuantizationOptions>
{
    private static readonly OnnxQuantizationOptions Defaults = new();
    private readonly OnnxStaticQuantizationPass _static = new();
    private readonly OnnxDynamicQuantizationPass _dynamic = new();

    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "OnnxQuantization",
        Version: 1,
        Summary: "INT8 quantization, static (calibrated, QDQ) or dynamic by quant_mode; the options of OnnxStaticQuantization and OnnxDynamicQuantization.",
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
    public IReadOnlyList<string> Validate(OnnxQuantizationOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Mode(options) switch
        {
            "static" => [.. OtherMode("dynamic", DynamicOnly(options)), .. _static.Validate(ToStatic(options), target)],
            "dynamic" => [.. OtherMode("static", StaticOnly(options)), .. _dynamic.Validate(ToDynamic(options), target)],
            _ => [$"quant_mode: '{options.QuantMode}' is not one of static, dynamic."],
        };
    }

    /// <inheritdoc/>
    public void Run(PassContext context, OnnxQuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var problems = Validate(options, context.Target);
        if (problems.Count > 0)
        {
            throw new PassFailedException("OnnxQuantization: " + string.Join(" ", problems));
        }

        context.Log.WriteLine($"OnnxQuantization: quant_mode {Mode(options)}.");
        if (Mode(options) == "static")
        {
            _static.Run(context, ToStatic(options));
        }
        else
        {
            _dynamic.Run(context, ToDynamic(options));
        }
    }

    internal static OnnxStaticQuantizationOptions ToStatic(OnnxQuantizationOptions o) => new()
    {
        QuantFormat = o.QuantFormat,
        CalibrateMethod = o.CalibrateMethod,
        DataDir = o.DataDir,
        CalibrationSamples = o.CalibrationSamples,
        Seed = o.Seed,
        DimValues = o.DimValues,
        ActivationType = o.ActivationType,
        WeightType = o.WeightType,
        PerChannel = o.PerChannel,
        ReduceRange = o.ReduceRange,
        ActivationSymmetric = o.ActivationSymmetric,
        WeightSymmetric = o.WeightSymmetric,
        OpTypesToQuantize = o.OpTypesToQuantize.Length > 0 ? o.OpTypesToQuantize : new OnnxStaticQuantizationOptions().OpTypesToQuantize,
        NodesToExclude = o.NodesToExclude,
        TensorQuantOverrides = o.TensorQuantOverrides,
        MovingAverage = o.MovingAverage,
        AveragingConstant = o.AveragingConstant,
        NumBins = o.NumBins,
        NumQuantizedBins = o.NumQuantizedBins,
        Percentile = o.Percentile,
        MatmulConstBOnly = o.MatmulConstBOnly,
    };

    internal static OnnxDynamicQuantizationOptions ToDynamic(OnnxQuantizationOptions o) => new()
    {
        WeightType = o.WeightType,
        PerChannel = o.PerChannel,
        ReduceRange = o.ReduceRange,
        ActivationSymmetric = o.ActivationSymmetric,
        WeightSymmetric = o.WeightSymmetric,
        OpTypesToQuantize = o.OpTypesToQuantize.Length > 0 ? o.OpTypesToQuantize : new OnnxDynamicQuantizationOptions().OpTypesToQuantize,
        NodesToQuantize = o.NodesToQuantize,
        NodesToExclude = o.NodesToExclude,
        MatmulConstBOnly = o.MatmulConstBOnly,
        EnableSubgraph = o.EnableSubgraph,
    };

    private static string Mode(OnnxQuantizationOptions o) => o.QuantMode.Trim().ToLowerInvariant();

    private static IEnumerable<string> OtherMode(string mode, IEnumerable<string> keys) =>
        keys.Select(k => $"{k}: applies to quant_mode {mode} only; remove it or set quant_mode: {mode}.");

    private static IEnumerable<string> StaticOnly(OnnxQuantizationOptions o)
    {
        var d = Defaults;
        return new (string Key, bool Set)[]
        {
            ("quant_format", o.QuantFormat != d.QuantFormat),
            ("calibrate_method", o.CalibrateMethod != d.CalibrateMethod),
            ("data_dir", o.DataDir is not null),
            ("calibration_samples", o.CalibrationSamples != d.CalibrationSamples),
            ("activation_type", o.ActivationType != d.ActivationType),
            ("tensor_quant_overrides", o.TensorQuantOverrides.Count > 0),
            ("moving_average", o.MovingAverage),
            ("num_bins", o.NumBins is not null),
            ("percentile", o.Percentile != d.Percentile),
        }.Where(x => x.Set).Select(x => x.Key);
    }

    private static IEnumerable<string> DynamicOnly(OnnxQuantizationOptions o) => new (string Key, bool Set)[]
    {
        ("nodes_to_quantize", o.NodesToQuantize.Length > 0),
        ("enable_subgraph", o.EnableSubgraph),
    }.Where(x => x.Set).Select(x => x.Key);
}
