using OliveNet.Onnx;
using OliveNet.Passes.Quantization.Dynamic;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.Dynamic;

/// <summary>
/// The real PP-OCRv4 recognizer: opset 9 (raised to 11 on the way), weights in Constant nodes, 38 Conv and 13 MatMul of
/// which 9 have a constant B (the other 4 multiply attention activations and stay float with matmul_const_b_only).
/// </summary>
public sealed class OcrRecDynamicQuantizationTests(ITestOutputHelper output)
{
    private const int Classes = 6625;
    private static readonly long[] Shape = [1, 3, 48, 320];

    /// <summary>
    /// Cosine ≥ 0.99 on the softmax output is the accuracy floor the plan sets for dynamic INT8. Argmax agreement per time
    /// step ≥ 90%: at cosine 0.99 the probabilities move by a few percent, which flips only steps whose top two classes were
    /// within that margin; on a seeded random image a few such near-ties among the 40 steps are possible, a broken
    /// quantization (wrong scale, wrong channel axis) disagrees on most steps.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_quantized_recognizer_loads_in_ORT_and_its_softmax_stays_close_to_FP32(bool perChannel)
    {
        using var temp = new TempFolder();
        var log = new StringWriter();
        var options = new OnnxDynamicQuantizationOptions { PerChannel = perChannel };
        var quantized = PassRunner.Run(new OnnxDynamicQuantizationPass(), TestModels.OcrRec, options, temp.Sub("out"), log);
        output.WriteLine(log.ToString().Trim());

        var expected = ModelRunner.RunImage(TestModels.OcrRec, Shape).Single().Value;
        var actual = ModelRunner.RunImage(quantized, Shape).Single().Value;
        var cosine = Similarity.Cosine(expected, actual);
        var agreement = Similarity.ArgmaxAgreement(expected, actual, Classes);
        var sizeRatio = (double)FolderBytes(Path.GetDirectoryName(TestModels.OcrRec)!, "ch_PP-OCRv4_rec_infer.onnx") / FolderBytes(Path.GetDirectoryName(quantized)!);
        output.WriteLine($"per_channel={perChannel}: softmax cosine {cosine:F5}, argmax agreement {agreement:P1} of {expected.Length / Classes} steps, size FP32/INT8 {sizeRatio:F2}x");

        Assert.True(cosine >= 0.99, $"cosine {cosine:F5} < 0.99");
        Assert.True(agreement >= 0.90, $"argmax agreement {agreement:P1} < 90%");

        var ops = OrtGraph.OptimizedOps(quantized);
        Assert.Equal(9, ops.GetValueOrDefault("com.microsoft.DynamicQuantizeMatMul"));
        Assert.Equal(38, ops.GetValueOrDefault("ConvInteger"));
        Assert.False(ops.ContainsKey("Conv") || ops.ContainsKey("com.microsoft.FusedConv"), "A float Conv is left.");

        // Float Conv/MatMul weights are gone, so the file shrinks by well over 2x (int8 is a quarter of float32, plus
        // the float weights of other ops that stay).
        Assert.True(sizeRatio > 2, $"size ratio {sizeRatio:F2}");
        Assert.Equal(11, OnnxModel.Load(quantized).OpsetImports[string.Empty]);
    }

    [Fact]
    public void Quantizing_the_recognizer_twice_gives_byte_identical_files()
    {
        using var temp = new TempFolder();
        var options = new OnnxDynamicQuantizationOptions { PerChannel = true };
        var first = PassRunner.Run(new OnnxDynamicQuantizationPass(), TestModels.OcrRec, options, temp.Sub("a"));
        var second = PassRunner.Run(new OnnxDynamicQuantizationPass(), TestModels.OcrRec, options, temp.Sub("b"));
        PassRunner.AssertSameFiles(Path.GetDirectoryName(first)!, Path.GetDirectoryName(second)!);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(first)!, "model.onnx.data")), "Large int8 weights should be in model.onnx.data.");
    }

    private static long FolderBytes(string folder, string? onlyFile = null) =>
        onlyFile is null
            ? Directory.GetFiles(folder).Sum(f => new FileInfo(f).Length)
            : new FileInfo(Path.Combine(folder, onlyFile)).Length;
}
