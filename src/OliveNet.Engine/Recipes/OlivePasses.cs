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

    /// <summary>Olive's spelling of <paramref name="type"/> when it is an Olive pass type (case-insensitive), else null.</summary>
    public static string? Find(string type) => Names.FirstOrDefault(n => n.Equals(type, StringComparison.OrdinalIgnoreCase));
}
