using OliveNet.Onnx;
using OliveNet.Passes.Quantization.Static;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.Accuracy;

/// <summary>
/// The PP-OCRv4 recognizer in QOperator format against QDQ with the same options (MinMax on 16 rendered lines, per-channel,
/// reduce_range, the Convs of <see cref="OcrRecognizerAccuracyTests.FloatConvs"/> in float). Both formats share ranges and weights, so QOperator must
/// read at least as many lines as QDQ with the same character error, and ONNX Runtime must end up running the same ops
/// for both. Measured: FP32 39/40; QDQ and QOperator 35/40 each with these MinMax ranges (the accuracy configuration
/// uses Percentile ranges, see <see cref="OcrRecognizerAccuracyTests"/>); p50 equal (ORT turns both into the same
/// QLinearConv graph).
/// </summary>
public sealed class OcrRecognizerQOperatorTests(ITestOutputHelper output)
{
    [Fact]
    public void The_QOperator_recognizer_holds_QLinearConv_and_QLinearMatMul_and_reads_as_many_lines_as_QDQ()
    {
        using var temp = new TempFolder();
        var options = new OnnxStaticQuantizationOptions
        {
            DataDir = OcrRecognizer.WriteCalibrationSamples(temp.Sub("calibration"), 16),
            PerChannel = true,
            ReduceRange = true,
            NodesToExclude = OcrRecognizerAccuracyTests.FloatConvs,
        };
        var qdq = PassRunner.Run(new OnnxStaticQuantizationPass(), TestModels.OcrRec, options, temp.Sub("qdq"));
        var log = new StringWriter();
        var qop = PassRunner.Run(new OnnxStaticQuantizationPass(), TestModels.OcrRec, options with { QuantFormat = "QOperator" }, temp.Sub("qop"), log);
        output.WriteLine(log.ToString().Trim());

        var ops = OnnxModel.Load(qop).MainGraph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        output.WriteLine("saved ops: " + string.Join(", ", ops.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}×{kv.Value}")));
        Assert.True(ops.GetValueOrDefault("QLinearConv") > 0 && ops.GetValueOrDefault("QLinearMatMul") > 0, "The saved model lacks QLinearConv or QLinearMatMul.");

        // ORT fuses QDQ at load into the very ops QOperator names, so what it runs must be the same graph.
        var optimized = new[] { qdq, qop }.Select(p => OrtGraph.OptimizedOps(p, GraphOptimizationLevel.All)).ToList();
        output.WriteLine("ORT All (both): " + string.Join(", ", optimized[1].OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}×{kv.Value}")));
        Assert.Equal(optimized[0].OrderBy(kv => kv.Key, StringComparer.Ordinal), optimized[1].OrderBy(kv => kv.Key, StringComparer.Ordinal));

        var fp32 = OcrRecognizer.Fp32;
        var qdqScore = OcrRecognizer.Score("static QDQ per-channel rr", qdq);
        var qopScore = OcrRecognizer.Score("static QOperator per-channel rr", qop);
        output.WriteLine(RecognitionScore.Header());
        output.WriteLine(fp32.Row());
        output.WriteLine(qdqScore.Row());
        output.WriteLine(qopScore.Row());
        Assert.True(qopScore.Exact >= qdqScore.Exact, $"QOperator {qopScore.Exact}/{qopScore.Lines} exact vs QDQ {qdqScore.Exact}/{qdqScore.Lines}");
        Assert.Equal(qdqScore.Cer, qopScore.Cer, 6);

        var x = Static.OcrRecStaticQuantizationTests.Uniform(99);
        using var value = OrtValue.CreateTensor<float>(x, RenderedLines.Shape);
        var p50 = QuantTestKit.MedianLatencies([TestModels.OcrRec, qdq, qop], "x", value, runs: 21);
        output.WriteLine(
            $"p50 (1 thread, ORT All, 21 interleaved runs): FP32 {p50[0]:F2} ms, QDQ {p50[1]:F2} ms, QOperator {p50[2]:F2} ms; " +
            $"FP32/QDQ {p50[0] / p50[1]:F2}x, FP32/QOperator {p50[0] / p50[2]:F2}x, QDQ/QOperator {p50[1] / p50[2]:F2}x");
    }
}
