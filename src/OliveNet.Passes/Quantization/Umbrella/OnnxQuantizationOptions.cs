using OliveNet.Engine.Passes;
using OliveNet.Passes.Quantization.Static;

namespace OliveNet.Passes.Quantization.Umbrella;

/// <summary>
/// Options of <see cref="OnnxQuantizationPass"/>: Olive's <c>OnnxQuantization</c>, which takes the options of both
/// <c>OnnxStaticQuantization</c> and <c>OnnxDynamicQuantization</c> and a <c>quant_mode</c> choosing between them.
/// Each option means what it means in the chosen pass; options of the other mode are refused when set.
/// </summary>
[OliveOption("precision", SameAs = "weight_type")]
[OliveOption("quant_preprocess", Ignored = "ONNX Runtime's quant_pre_process (shape inference and its graph optimizations before quantizing) is not run; put OnnxPeepholeOptimizer or OrtTransformersOptimization before this pass for a similar effect")]
[OliveOption("calibration_providers", Ignored = "calibration always runs on the CPU execution provider in OliveNet")]
[OliveOption("op_types_to_exclude", RemovesFrom = "op_types_to_quantize")]
public sealed record OnnxQuantizationOptions
{
    /// <summary>static (calibrated activations, QDQ) or dynamic (activations quantized at run time).</summary>
    [Option("static: OnnxStaticQuantization (calibrated activations, QDQ). dynamic: OnnxDynamicQuantization (activation ranges at run time).", Candidates = new object[] { "static", "dynamic" })]
    public string QuantMode { get; init; } = "static";

    /// <summary>Static: output layout.</summary>
    [Option("Static only: output layout (see OnnxStaticQuantization quant_format).")]
    public string QuantFormat { get; init; } = "QDQ";

    /// <summary>Static: calibration method.</summary>
    [Option("Static only: MinMax, Entropy or Percentile.", Candidates = new object[] { "MinMax", "Entropy", "Percentile" })]
    public string CalibrateMethod { get; init; } = "MinMax";

    /// <summary>Static: absolute calibration folder.</summary>
    [Option("Static only: folder of calibration samples (ONNX test-data layout), relative to the recipe's folder; unset: seeded random inputs.", IsPath = true)]
    public string? DataDir { get; init; }

    /// <summary>Static: random samples when data_dir is unset.</summary>
    [Option("Static only: number of seeded random calibration samples when data_dir is unset.")]
    public int CalibrationSamples { get; init; } = 8;

    /// <summary>Static: seed of the random samples.</summary>
    [Option("Static only: seed of the random calibration samples.")]
    public int Seed { get; init; }

    /// <summary>Static: values for symbolic dims of random samples.</summary>
    [Option("Static only: values for the model's symbolic input dims when generating random samples (others default to 1).")]
    public Dictionary<string, long> DimValues { get; init; } = [];

    /// <summary>Static: activation type.</summary>
    [Option("Static only: QUInt8, QInt8, QUInt16 or QInt16 activations (dynamic mode always uses uint8).")]
    public string ActivationType { get; init; } = "QUInt8";

    /// <summary>Weight type.</summary>
    [Option("QInt8 or QUInt8 weights.", Candidates = new object[] { "QInt8", "QUInt8" })]
    public string WeightType { get; init; } = "QInt8";

    /// <summary>Per-channel weights.</summary>
    [Option("One weight scale per output channel.", Candidates = new object[] { false, true })]
    public bool PerChannel { get; init; }

    /// <summary>7-bit weights.</summary>
    [Option("7-bit weights, against u8×s8 saturation on x86 CPUs without VNNI.")]
    public bool ReduceRange { get; init; }

    /// <summary>Symmetric activations.</summary>
    [Option("Symmetric activation ranges (static only; dynamic refuses true).")]
    public bool ActivationSymmetric { get; init; }

    /// <summary>Symmetric weights; null: by weight type.</summary>
    [Option("Symmetric weight ranges; unset: symmetric for QInt8, asymmetric for QUInt8.")]
    public bool? WeightSymmetric { get; init; }

    /// <summary>Operator types; empty: the chosen pass's default list.</summary>
    [Option("Operator types to quantize; empty: the chosen mode's default (static Conv, MatMul, Gemm, Relu, Clip; dynamic MatMul, Conv).")]
    public string[] OpTypesToQuantize { get; init; } = [];

    /// <summary>Dynamic: only these nodes.</summary>
    [Option("Dynamic only: when non-empty, quantize only these node names.")]
    public string[] NodesToQuantize { get; init; } = [];

    /// <summary>Nodes left in float.</summary>
    [Option("Names of nodes to leave in float.")]
    public string[] NodesToExclude { get; init; } = [];

    /// <summary>Static: fixed activation parameters.</summary>
    [Option("Static only: fixed scale/zero_point per activation tensor name.")]
    public Dictionary<string, TensorQuantOverride> TensorQuantOverrides { get; init; } = [];

    /// <summary>Static MinMax: moving average.</summary>
    [Option("Static only (MinMax): moving average of per-batch ranges.")]
    public bool MovingAverage { get; init; }

    /// <summary>Static MinMax: moving-average constant.</summary>
    [Option("Static only (MinMax): moving-average constant in (0, 1].")]
    public float AveragingConstant { get; init; } = 0.01f;

    /// <summary>Static Entropy/Percentile: histogram bins.</summary>
    [Option("Static only (Entropy/Percentile): histogram bins; unset: 2048.")]
    public int? NumBins { get; init; }

    /// <summary>Static Entropy: quantized bins.</summary>
    [Option("Static only (Entropy): quantized bins.")]
    public int NumQuantizedBins { get; init; } = 128;

    /// <summary>Static Percentile: percentile.</summary>
    [Option("Static only (Percentile): percentile of |x| in (0, 100].")]
    public double Percentile { get; init; } = 99.999;

    /// <summary>MatMul with constant B only (both modes).</summary>
    [Option("Quantize only MatMuls whose B is a constant; false also quantizes MatMuls of two activations (static: from calibrated ranges).")]
    public bool MatmulConstBOnly { get; init; } = true;

    /// <summary>Dynamic: quantize inside subgraphs.</summary>
    [Option("Dynamic only: quantize inside If/Loop/Scan subgraphs too.")]
    public bool EnableSubgraph { get; init; }
}
