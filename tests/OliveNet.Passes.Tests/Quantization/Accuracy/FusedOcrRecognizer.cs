using OliveNet.Passes.Fusion;
using OliveNet.Passes.Graph;
using OliveNet.Passes.Shapes;

namespace OliveNet.Passes.Tests.Quantization.Accuracy;

/// <summary>
/// The PP-OCRv4 recognizer as <c>pipelines/ppocr-rec-search.yaml</c> hands it to its quantizers: peephole clean-up, batch
/// fixed to 1, then ONNX Runtime fusion at opt_level 2 (which turns the CTC head's MatMul into com.microsoft.FusedMatMul).
/// Built once per test run into a temp folder that lives as long as the process.
/// </summary>
internal static class FusedOcrRecognizer
{
    private static readonly Lazy<string> LazyPath = new(Build);

    /// <summary>The fused model's path.</summary>
    public static string Path => LazyPath.Value;

    private static string Build()
    {
        var folder = TempFolder.ForProcess().Sub("fused-ocr");
        var cleaned = PassRunner.Run(new OnnxPeepholeOptimizerPass(), TestModels.OcrRec, new OnnxPeepholeOptimizerOptions(), System.IO.Path.Combine(folder, "cleanup"));
        var fixedShape = PassRunner.Run(
            new DynamicToFixedShapePass(), cleaned, new DynamicToFixedShapeOptions { DimParam = ["p2o.DynamicDimension.0"], DimValue = [1] }, System.IO.Path.Combine(folder, "batch-one"));
        return PassRunner.Run(new OrtTransformersOptimizationPass(), fixedShape, new OrtTransformersOptimizationOptions { OptLevel = 2 }, System.IO.Path.Combine(folder, "fusion"));
    }
}
