using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Graph;

/// <summary>
/// Options of <see cref="OnnxPeepholeOptimizerPass"/>: Olive's four, then one switch per OliveNet clean-up.
/// </summary>
public sealed record OnnxPeepholeOptimizerOptions
{
    /// <summary>Accepted for Olive recipes.</summary>
    [Option("Olive: run onnxscript's optimizer. Accepted for compatibility; OliveNet's own clean-ups below stand in for it.")]
    public bool OnnxscriptOptimize { get; init; } = true;

    /// <summary>Accepted for Olive recipes.</summary>
    [Option("Olive: run the onnxoptimizer package. Accepted for compatibility; OliveNet's own clean-ups below stand in for it.")]
    public bool OnnxoptimizerOptimize { get; init; } = true;

    /// <summary>Fold Reshape → Reshape chains.</summary>
    [Option("Make a Reshape of a Reshape read the first one's input directly (when the outer shape is a constant without 0 entries).")]
    public bool FuseReshapeOperations { get; init; } = true;

    /// <summary>Declare com.microsoft opset 1 on the model and its functions.</summary>
    [Option("Declare com.microsoft opset 1 on the model and on every model-local function that lacks it (Olive: needed when a GraphSurgeries step puts contrib ops into function scopes). Off by default, as in Olive.")]
    public bool FixComMicrosoftOpset { get; init; }

    /// <summary>Not supported; true fails validation.</summary>
    [Option("Olive: collapse Cast → Cast chains. Not supported by OliveNet (dropping a narrowing cast changes results); must stay false.")]
    public bool CastChainElimination { get; init; }

    /// <summary>Remove Identity nodes.</summary>
    [Option("Remove Identity nodes; readers use the input directly, and graph output names are kept.")]
    public bool RemoveIdentity { get; init; } = true;

    /// <summary>Remove inference-mode Dropout nodes.</summary>
    [Option("Remove Dropout nodes that cannot be in training mode and whose mask output is unused.")]
    public bool RemoveDropout { get; init; } = true;

    /// <summary>Remove nodes that reach no graph output.</summary>
    [Option("Remove nodes whose outputs reach no graph output (reads from inside If/Loop/Scan bodies count), then unused initializers.")]
    public bool RemoveDeadNodes { get; init; } = true;

    /// <summary>Merge identical initializers.</summary>
    [Option("Merge initializers of one graph with the same data type, dims and bytes into one.")]
    public bool DedupeInitializers { get; init; } = true;

    /// <summary>Fold constant scale/shift nodes into the Conv beside them.</summary>
    [Option("Fold a constant Mul/Add after a Conv (scalar or per output channel) and a scalar Mul/Add before an unpadded Conv into that Conv's weights and bias (PP-OCR's learnable affine blocks). Exact in real arithmetic but not bit-identical (float rounding), so off by default; OnnxStaticQuantization does it anyway before placing Q/DQ.")]
    public bool FoldConvAffine { get; init; }

    /// <summary>Rewrite decomposed HardSwish.</summary>
    [Option("Rewrite HardSwish written out as x·Clip(x+3, 0, 6)/6 (Paddle exports) into HardSwish (opset 14+) or x·HardSigmoid(x). Exact in real arithmetic but not bit-identical, so off by default; OnnxStaticQuantization does it anyway before placing Q/DQ.")]
    public bool FuseHardswish { get; init; }

    /// <summary>Fold shape-only ops on constants.</summary>
    [Option("Fold nodes whose inputs are all constants into initializers: Reshape/Squeeze/Unsqueeze by relabelling dims, other ops by running them in ONNX Runtime's own kernel (exact; results that would grow the file are left alone).")]
    public bool ConstantFolding { get; init; } = true;
}
