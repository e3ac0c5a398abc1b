using System.Globalization;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;

namespace OliveNet.Passes.Quantization.Float16;

/// <summary>
/// Converts a float32 model to float16 with ONNX Runtime's <c>convert_float_to_float16</c> semantics (Olive's
/// <c>OnnxFloatToFloat16</c>): float32 weights, value types and Cast targets become float16; blocked ops stay float32
/// behind Casts; <c>keep_io_types</c> keeps float32 at the graph boundary. If/Loop/Scan bodies are converted with the
/// graph that holds them. Weights are narrowed one tensor at a time and streamed to a staging data file as they are made
/// (<see cref="Float16Staging"/>), so memory holds about one tensor, not the converted model; the output keeps tensors of
/// 1 KiB and up as external data.
/// </summary>
public sealed class OnnxFloatToFloat16Pass : IPass<OnnxFloatToFloat16Options>
{
    /// <summary>ONNX Runtime's <c>DEFAULT_OP_BLOCK_LIST</c>: ops left in float32 when <c>op_block_list</c> is not given.</summary>
    public static IReadOnlyList<string> DefaultOpBlockList { get; } =
    [
        "ArrayFeatureExtractor", "Binarizer", "CastMap", "CategoryMapper", "DictVectorizer", "FeatureVectorizer", "Imputer",
        "LabelEncoder", "LinearClassifier", "LinearRegressor", "Normalizer", "OneHotEncoder", "SVMClassifier", "SVMRegressor",
        "Scaler", "TreeEnsembleClassifier", "TreeEnsembleRegressor", "ZipMap", "NonMaxSuppression", "TopK", "RoiAlign",
        "Resize", "Range", "CumSum", "Min", "Max", "Upsample",
    ];

    /// <summary>The largest finite float16 value.</summary>
    private const double Float16Max = 65504;

    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "OnnxFloatToFloat16",
        Version: 1,
        Summary: "Convert float32 weights and activations to float16 (ORT convert_float_to_float16 semantics). " +
            "For GPUs; ORT's CPU EP runs many ops in float16 only through inserted Casts, so expect it slower there.",
        Devices: ["cpu", "gpu"],
        ExecutionProviders: [],
        Precisions: ["fp16"],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true)
    {
        Lossy = true,
    };

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(OnnxFloatToFloat16Options options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!(options.MinPositiveVal > 0))
        {
            errors.Add($"min_positive_val: {Format(options.MinPositiveVal)} must be greater than 0 (float16's smallest subnormal is 5.96e-08).");
        }

        if (!(options.MaxFiniteVal > 0 && options.MaxFiniteVal <= Float16Max))
        {
            errors.Add($"max_finite_val: {Format(options.MaxFiniteVal)} must be in (0, 65504], the finite float16 range.");
        }
        else if (options.MinPositiveVal > 0 && options.MinPositiveVal >= options.MaxFiniteVal)
        {
            errors.Add($"min_positive_val ({Format(options.MinPositiveVal)}) must be below max_finite_val ({Format(options.MaxFiniteVal)}).");
        }

        if (options.KeepIoTypes && options.KeepIoTypesNames.Length > 0)
        {
            errors.Add("keep_io_types_names is set while keep_io_types is true (which keeps every input and output); use one.");
        }

        foreach (var (key, names) in new[] { ("op_block_list", options.OpBlockList ?? []), ("node_block_list", options.NodeBlockList), ("keep_io_types_names", options.KeepIoTypesNames) })
        {
            if (names.Any(string.IsNullOrEmpty))
            {
                errors.Add($"{key}: empty names are not allowed; remove them.");
            }
        }

        return errors;
    }

    /// <inheritdoc/>
    public void Run(PassContext context, OnnxFloatToFloat16Options options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var problems = Validate(options, context.Target);
        if (problems.Count > 0)
        {
            throw new PassFailedException("OnnxFloatToFloat16: " + string.Join(" ", problems));
        }

        var model = OnnxModel.Load(context.Input.ModelPath);
        using var staging = new Float16Staging(Path.GetDirectoryName(Path.GetFullPath(context.OutputModelPath))!);
        var rewriter = new Float16Rewriter(model, options, staging);
        rewriter.Run(context.Cancellation);
        staging.Commit(model).Save(context.OutputModelPath, new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal, SizeThreshold = 1024 });

        var s = rewriter.Stats;
        context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"OnnxFloatToFloat16: {s.Tensors} tensors narrowed ({s.Float32Bytes} → {s.Float16Bytes} bytes), {s.CastsRetargeted} Casts retargeted, " +
            $"{s.BlockedNodes} nodes kept float32, {s.CastsInserted} Casts inserted."));
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
