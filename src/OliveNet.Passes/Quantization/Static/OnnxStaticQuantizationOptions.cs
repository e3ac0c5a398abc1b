using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>
/// Options of <see cref="OnnxStaticQuantizationPass"/>, named as Olive and ONNX Runtime's <c>quantize_static</c> name them
/// (the <c>extra_options</c> entries are flattened to snake_case keys).
/// </summary>
[OliveOption("precision", SameAs = "weight_type")]
[OliveOption("quant_preprocess", Ignored = "ONNX Runtime's quant_pre_process (shape inference and its graph optimizations before quantizing) is not run; put OnnxPeepholeOptimizer or OrtTransformersOptimization before this pass for a similar effect")]
[OliveOption("calibration_providers", Ignored = "calibration always runs on the CPU execution provider in OliveNet")]
[OliveOption("op_types_to_exclude", RemovesFrom = "op_types_to_quantize")]
[OliveOption(
    "extra_options",
    Entries = new[]
    {
        "ActivationSymmetric=activation_symmetric", "WeightSymmetric=weight_symmetric", "MatMulConstBOnly=matmul_const_b_only",
        "CalibMovingAverage=moving_average", "CalibMovingAverageConstant=averaging_constant", "CalibStridedMinMax", "CalibMaxIntermediateOutputs",
    },
    Ignored = "they only change how many calibration samples are run through the model at once, not the ranges")]
[OliveOption("min_real_range", Unsupported = "a floor on calibrated ranges is not implemented", NeutralJson = "null")]
[OliveOption("prepare_qdq_config", Ignored = "ONNX Runtime's get_qdq_config is not used; give activation_type, weight_type and op_types_to_quantize explicitly")]
public sealed record OnnxStaticQuantizationOptions
{
    /// <summary>Output layout: QDQ or QOperator.</summary>
    [Option(
        "Output layout: QDQ (QuantizeLinear/DequantizeLinear pairs around float ops, which ONNX Runtime fuses at load into " +
        "QLinearConv, QLinearMatMul, …) or QOperator (the quantized ops written directly: QLinearConv, QLinearMatMul, " +
        "com.microsoft QGemm/QLinearAdd/QLinearMul/QLinearSigmoid/…, with QuantizeLinear where a float tensor enters them and " +
        "DequantizeLinear where a float op or a graph output reads them). Both use the same ranges and quantized weights; " +
        "QOperator takes 8-bit types only.",
        Candidates = new object[] { "QDQ", "QOperator" })]
    public string QuantFormat { get; init; } = "QDQ";

    /// <summary>Calibration method.</summary>
    [Option(
        "How activation ranges are chosen from the calibration data: MinMax (overall min/max), Entropy (KL-minimizing threshold " +
        "over a histogram) or Percentile (the percentile of |x|).",
        Candidates = new object[] { "MinMax", "Entropy", "Percentile" })]
    public string CalibrateMethod { get; init; } = "MinMax";

    /// <summary>Absolute folder of calibration samples; null means seeded random inputs.</summary>
    [Option(
        "Folder of calibration samples in the ONNX test-data layout: one sub-folder per sample (taken in ordinal name order), " +
        "each holding input_<k>.pb, a serialized TensorProto for the model's k-th graph input. A relative path in a recipe is " +
        "resolved against the recipe's folder. Unset: calibration_samples random inputs.",
        IsPath = true)]
    public string? DataDir { get; init; }

    /// <summary>Random calibration samples when <see cref="DataDir"/> is unset.</summary>
    [Option("Number of seeded random samples when data_dir is unset: float inputs uniform in [0, 1), integer inputs 0, bool inputs false.")]
    public int CalibrationSamples { get; init; } = 8;

    /// <summary>Seed of the random calibration inputs.</summary>
    [Option("Seed of the random calibration inputs.")]
    public int Seed { get; init; }

    /// <summary>Values of symbolic input dimensions for random inputs; unnamed or unlisted ones are 1.</summary>
    [Option("Values of symbolic input dimensions (dim_param name → value) for random calibration inputs; unlisted and unnamed dynamic dimensions are 1.")]
    public Dictionary<string, long> DimValues { get; init; } = [];

    /// <summary>Activation integer type.</summary>
    [Option("Integer type of activations: QUInt8 (default), QInt8, QUInt16 or QInt16 (16-bit uses com.microsoft Q/DQ below opset 21).",
        Candidates = new object[] { "QUInt8", "QInt8" })]
    public string ActivationType { get; init; } = "QUInt8";

    /// <summary>Weight integer type.</summary>
    [Option("Integer type of weights: QInt8 (default) or QUInt8.", Candidates = new object[] { "QInt8", "QUInt8" })]
    public string WeightType { get; init; } = "QInt8";

    /// <summary>Per-channel weights.</summary>
    [Option(
        "One weight scale per output channel (Conv axis 0, MatMul B [K,N] axis 1, Gemm B axis 1 or 0 with transB) instead of " +
        "one per tensor. Needs opset 13 (per-axis DequantizeLinear).",
        Candidates = new object[] { false, true })]
    public bool PerChannel { get; init; }

    /// <summary>7-bit weights.</summary>
    [Option("Quantize weights to 7 bits (int8 −64..64, uint8 0..127) to avoid u8×s8 saturation on x86 CPUs without VNNI.")]
    public bool ReduceRange { get; init; }

    /// <summary>Symmetric activation ranges.</summary>
    [Option("Symmetric activation ranges (±max|x|). False keeps Relu/Clip removable after a quantized op.")]
    public bool ActivationSymmetric { get; init; }

    /// <summary>Symmetric weights; null = true for signed weight types.</summary>
    [Option("Symmetric weights. Unset: true for QInt8, false for QUInt8, as ONNX Runtime decides.")]
    public bool? WeightSymmetric { get; init; }

    /// <summary>Op types to quantize.</summary>
    [Option(
        "Operator types to quantize: Conv, MatMul (constant B; both inputs activations too when matmul_const_b_only is false) " +
        "and Gemm (constant B) get quantized activations and weights; Relu and Clip right after one of them are removed when " +
        "activations are asymmetric (the Q clamps instead). Also accepted, as ONNX Runtime's QLinear registry: Add, Mul, " +
        "Sigmoid, LeakyRelu, GlobalAveragePool, AveragePool, Concat, Softmax (quantized inputs and output), and MaxPool, " +
        "Reshape, Transpose, Squeeze, Unsqueeze, Flatten, Resize, Split, Gather, which run on an already quantized input " +
        "with its scale and zero point.")]
    public string[] OpTypesToQuantize { get; init; } = ["Conv", "MatMul", "Gemm", "Relu", "Clip"];

    /// <summary>Quantize only MatMuls whose B is a constant.</summary>
    [Option(
        "Quantize only MatMuls whose B is a constant (ONNX Runtime's MatMulConstBOnly). False also quantizes MatMuls of two " +
        "activations (attention scores), each input with its calibrated range. Default true, unlike ONNX Runtime's static " +
        "default, so existing recipes keep their output.")]
    public bool MatmulConstBOnly { get; init; } = true;

    /// <summary>Node names left in float.</summary>
    [Option("Names of nodes to leave in float.")]
    public string[] NodesToExclude { get; init; } = [];

    /// <summary>Fixed scale/zero point per activation tensor name.</summary>
    [Option(
        "Fixed quantization parameters per activation tensor name: {\"tensor\": {\"scale\": 0.02, \"zero_point\": 128}} replaces " +
        "the calibrated ones (a bias read by that tensor's op is scaled with it). ONNX Runtime's list form and its other keys " +
        "(quant_type, symmetric, axis, …) are not supported.")]
    public Dictionary<string, TensorQuantOverride> TensorQuantOverrides { get; init; } = [];

    /// <summary>Moving-average MinMax.</summary>
    [Option("MinMax only: fold each sample's min/max into a moving average instead of taking the overall extremes.")]
    public bool MovingAverage { get; init; }

    /// <summary>Moving-average constant.</summary>
    [Option("MinMax with moving_average: new = old + c·(sample − old).")]
    public float AveragingConstant { get; init; } = 0.01f;

    /// <summary>Histogram bins for Entropy and Percentile.</summary>
    [Option(
        "Histogram bins for Entropy and Percentile. Unset: 2048 for both. ONNX Runtime uses 128 for Entropy, which with 128 " +
        "quantized bins leaves a single candidate window (the method then equals MinMax).")]
    public int? NumBins { get; init; }

    /// <summary>Quantized bins for Entropy.</summary>
    [Option("Entropy only: number of quantized bins each candidate window is merged into.")]
    public int NumQuantizedBins { get; init; } = 128;

    /// <summary>Percentile.</summary>
    [Option("Percentile only: the percentile of |x| that sets the symmetric threshold.")]
    public double Percentile { get; init; } = 99.999;
}
