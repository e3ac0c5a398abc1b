namespace OliveNet.Engine.Recipes;

/// <summary>
/// The pass types Olive registers (its <c>olive_config.json</c>, checked 2026-12-05), so that a recipe naming one OliveNet
/// does not have is told so, rather than treated as a misspelling.
/// </summary>
internal static class OlivePasses
{
    public static IReadOnlyList<string> Names { get; } =
    [
        "AddOliveMetadata", "AimetQuantization", "AutoAWQQuantizer", "AutoClip", "CaptureLayerAnnotations", "CaptureSplitInfo",
        "ComposeOnnxModels", "ConvertHfToGGUF", "DoRA", "DynamicToFixedShape", "EPContextBinaryGenerator", "ExtractAdapters", "Gptq",
        "GptqModel", "GptqQuantizer", "GraphSurgeries", "IncDynamicQuantization", "IncQuantization", "IncStaticQuantization",
        "InputNCHWtoNHWC", "KQuant", "LoHa", "LoKr", "LoRA", "LoftQ", "MatMulNBitsToQDQ", "MergeAdapterWeights",
        "MixedPrecisionOverrides", "MobiusBuilder", "ModelBuilder", "NVModelOptGraphSurgery", "NVModelOptQuantization",
        "OnnxBlockWiseRtnQuantization", "OnnxBnb4Quantization", "OnnxConversion", "OnnxDiscrepancyCheck", "OnnxDynamicQuantization",
        "OnnxFloatToFloat16", "OnnxHqqQuantization", "OnnxIODataTypeConverter", "OnnxKQuantQuantization", "OnnxOpVersionConversion",
        "OnnxPeepholeOptimizer", "OnnxQuantization", "OnnxQuantizationPreprocess", "OnnxScriptFusion", "OnnxStaticQuantization",
        "OpenVINOConversion", "OpenVINOEncapsulation", "OpenVINOIoUpdate", "OpenVINOOptimumConversion", "OpenVINOQuantization",
        "OpenVINOQuantizationWithAccuracy", "OpenVINOWeightCompression", "OptimumConversion", "OptimumMerging", "OrtMixedPrecision",
        "OrtSessionParamsTuning", "OrtTransformersOptimization", "QLoRA", "QNNContextBinaryGenerator", "QNNConversion",
        "QNNModelLibGenerator", "QNNPreprocess", "QairtEncapsulation", "QairtGenAIBuilder", "QairtMHA2SHA", "QairtPipelinePass",
        "QairtPreparation", "QuaRot", "QuarkQuantization", "QuarkQuantizationVitisAI", "Rtn", "RyzenGenerateModelLLM", "SDLoRA",
        "SaveTestModelConfig", "SelectiveMixedPrecision", "SliceGPT", "SparseGPT", "SpinQuant", "SplitModel", "StaticLLM",
        "VitisAIAddMetaData", "VitisGenerateModelLLM", "VitisGenerateModelSD",
    ];

    /// <summary>
    /// Why an Olive pass is outside OliveNet's scope (a vendor toolchain, or Python conversion of PyTorch modules), or null
    /// when it is simply not implemented yet.
    /// </summary>
    public static string? OutOfScope(string olivePass) => olivePass switch
    {
        _ when olivePass.StartsWith("OpenVINO", StringComparison.Ordinal) => "it runs Intel's OpenVINO toolchain (Python); vendor toolchains are out of OliveNet's scope",
        _ when olivePass.StartsWith("QNN", StringComparison.Ordinal) || olivePass.StartsWith("Qairt", StringComparison.Ordinal) || olivePass == "AimetQuantization"
            => "it runs Qualcomm's QNN/QAIRT/AIMET toolchain (Python); vendor toolchains are out of OliveNet's scope",
        _ when olivePass.StartsWith("Quark", StringComparison.Ordinal) || olivePass.StartsWith("Vitis", StringComparison.Ordinal) || olivePass.StartsWith("Ryzen", StringComparison.Ordinal)
            => "it runs AMD's Quark/Vitis AI toolchain (Python); vendor toolchains are out of OliveNet's scope",
        _ when olivePass.StartsWith("NVModelOpt", StringComparison.Ordinal) => "it runs NVIDIA's ModelOpt/TensorRT toolchain (Python); vendor toolchains are out of OliveNet's scope",
        "EPContextBinaryGenerator" => "it compiles EP context binaries with a vendor execution provider (QNN, OpenVINO, TensorRT RTX); vendor toolchains are out of OliveNet's scope",
        "OnnxConversion" or "OptimumConversion" or "OptimumMerging" => "it exports PyTorch modules to ONNX with Python; OliveNet does not run PyTorch: start from an ONNX model, or from an HfModel checkpoint of a decoder architecture ModelBuilder supports",
        "MobiusBuilder" => "it builds ONNX packages (text, vision, speech components) with the mobius Python package; for a decoder checkpoint of an architecture OliveNet supports, use ModelBuilder",
        "StaticLLM" or "SplitModel" or "CaptureSplitInfo" or "ComposeOnnxModels"
            => "it splits or fixes the shapes of an LLM for NPU runtimes (QNN, Vitis AI); only NPU recipes use it, and CPU models keep one dynamic-shaped graph",
        "QuaRot" or "SpinQuant" => "it rotates a PyTorch model's weights (Hadamard rotations, Python) so that NPU activation quantization loses less; only QNN/NPU recipes use it, and CPU int4 recipes quantize weights only",
        _ => null,
    };

    /// <summary>Olive's spelling of <paramref name="type"/> when it is an Olive pass type (case-insensitive), else null.</summary>
    public static string? Find(string type) => Names.FirstOrDefault(n => n.Equals(type, StringComparison.OrdinalIgnoreCase));
}
