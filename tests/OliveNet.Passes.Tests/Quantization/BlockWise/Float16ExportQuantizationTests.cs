using OliveNet.Onnx;
using OliveNet.Passes.Quantization.BlockWise;
using OliveNet.Passes.Tests.Export;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.BlockWise;

/// <summary>
/// Olive's Llama-3.2 rtn/hqq recipe shape: ModelBuilder in fp16, then 4-bit block-wise quantization. Every float16
/// projection weight must become MatMulNBits (with float16 scales) — before, none was, and the fp16 model was published
/// as the result — and the quantized decoder must still give logits close to the reference.
/// </summary>
public sealed class Float16ExportQuantizationTests(ITestOutputHelper output)
{
    /// <summary>Same bound as ModelBuilder's own int4 export (ModelBuilderQuantizedTests): block-32 RTN noise of ~8 % per projection.</summary>
    private const double CosineBound = 0.9;

    [Theory]
    [InlineData("llama", "rtn")]
    [InlineData("llama", "hqq")]
    [InlineData("qwen3", "rtn")]
    public void A_float16_ModelBuilder_export_is_quantized_to_MatMulNBits_and_keeps_its_logits(string architecture, string algorithm)
    {
        using var temp = new TempFolder();
        var exported = ModelBuilderLogitsTests.Export(architecture, "fp16", temp.Sub("fp16"));
        var source = OnnxModel.Load(Path.Combine(exported, "model.onnx"));
        var halfWeights = source.Weights().Select(w => w.Tensor).Where(t => t.DataType == (int)OnnxDataType.Float16).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var projections = source.MainGraph.Nodes.Count(n => n.OpType == "MatMul" && halfWeights.TryGetValue(n.Input[1], out var w) && w.Dims.Count == 2);
        Assert.True(projections > 0, "the fp16 export should hold MatMuls with float16 weights");

        var log = new StringWriter();
        var folder = temp.Sub("quantized");
        var quantized = algorithm == "rtn"
            ? PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), Path.Combine(exported, "model.onnx"), new OnnxBlockWiseRtnQuantizationOptions { Bits = 4, BlockSize = 32 }, folder, log)
            : PassRunner.Run(new OnnxHqqQuantizationPass(), Path.Combine(exported, "model.onnx"), new OnnxHqqQuantizationOptions { BlockSize = 32 }, folder, log);
        output.WriteLine(log.ToString().Trim());

        var model = OnnxModel.Load(quantized);
        var initializers = model.Weights().ToDictionary(w => w.Name, w => w.Tensor, StringComparer.Ordinal);
        var nBits = model.MainGraph.Nodes.Where(n => n.OpType == "MatMulNBits").ToList();
        Assert.Equal(projections, nBits.Count);
        Assert.All(nBits, n => Assert.Equal((int)OnnxDataType.Float16, initializers[n.Input[2]].DataType));

        var cosine = ModelBuilderQuantizedTests.Cosine(architecture, folder);
        output.WriteLine($"{architecture} fp16 → {algorithm} 4-bit b32: {nBits.Count} MatMulNBits, cosine to the reference logits {cosine:F5}");
        Assert.True(cosine >= CosineBound, $"cosine {cosine:F5} < {CosineBound}");
    }
}
