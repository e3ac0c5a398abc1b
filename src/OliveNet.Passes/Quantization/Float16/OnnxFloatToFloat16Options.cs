using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.Float16;

/// <summary>
/// Options of <see cref="OnnxFloatToFloat16Pass"/>, named as Olive's <c>OnnxFloatToFloat16</c>. Olive's
/// <c>keep_io_types</c> is a bool or a list of names; here the bool is <see cref="KeepIoTypes"/> and the list is
/// <see cref="KeepIoTypesNames"/>, so each key has one JSON type.
/// </summary>
[OliveOption("keep_io_types", ListSameAs = "keep_io_types_names")]
[OliveOption("use_symbolic_shape_infer", Ignored = "OliveNet infers the float16 model's types itself, without ONNX Runtime's symbolic shape inference")]
[OliveOption("op_include_list", Unsupported = "converting only the listed op types is not implemented; list the op types to keep float32 in op_block_list instead", NeutralJson = "null")]
[OliveOption("node_include_list", Unsupported = "converting only the listed nodes is not implemented; list the nodes to keep float32 in node_block_list instead", NeutralJson = "null")]
public sealed record OnnxFloatToFloat16Options
{
    /// <summary>Smallest non-zero magnitude a converted weight keeps.</summary>
    [Option("Non-zero float weights smaller in magnitude than this are raised to it (sign kept) before narrowing to float16.")]
    public double MinPositiveVal { get; init; } = 1e-7;

    /// <summary>Largest finite magnitude a converted weight keeps.</summary>
    [Option("Finite float weights larger in magnitude than this are lowered to it (sign kept); infinities and NaN stay. At most 65504.")]
    public double MaxFiniteVal { get; init; } = 1e4;

    /// <summary>Keep every float graph input and output float32, with Casts at the boundary.</summary>
    [Option("Keep every float32 graph input and output float32: Cast nodes graph_input_cast{i}/graph_output_cast{i} convert at the boundary.")]
    public bool KeepIoTypes { get; init; }

    /// <summary>Graph inputs and outputs to keep float32 when <see cref="KeepIoTypes"/> is false (Olive's list form).</summary>
    [Option("Names of graph inputs and outputs to keep float32 (Olive's list form of keep_io_types); used when keep_io_types is false.")]
    public string[] KeepIoTypesNames { get; init; } = [];

    /// <summary>Op types left in float32; null = ONNX Runtime's default block list.</summary>
    [Option("Op types left in float32, with Casts around them; null uses ONNX Runtime's default list (ML ops, TopK, Resize, Range, CumSum, Min, Max, NonMaxSuppression, RoiAlign, Upsample).")]
    public string[]? OpBlockList { get; init; }

    /// <summary>Node names left in float32.</summary>
    [Option("Node names left in float32, with Casts around them.")]
    public string[] NodeBlockList { get; init; } = [];

    /// <summary>Convert float initializers even when only blocked nodes read them.</summary>
    [Option("Convert float32 initializers to float16 even when only blocked nodes read them (a Cast then widens them again).")]
    public bool ForceFp16Initializers { get; init; }
}
