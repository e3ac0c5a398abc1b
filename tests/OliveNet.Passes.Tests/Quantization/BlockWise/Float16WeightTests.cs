using OliveNet.Onnx;
using OliveNet.Passes.Quantization.BlockWise;
using OliveNet.Passes.Tests.Quantization.Common;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.BlockWise;

/// <summary>
/// Block-wise quantization of float16 weights (a ModelBuilder fp16 export's form): they are quantized, not skipped, with
/// scales (and HQQ's float zero points) in float16, which MatMulNBits requires when A is float16; ONNX Runtime runs the
/// result and its output stays within the 4-bit rounding error of the float16 model's.
/// </summary>
public sealed class Float16WeightTests(ITestOutputHelper output)
{
    [Fact]
    public void RTN_quantizes_a_float16_weight_to_MatMulNBits_with_float16_scales()
    {
        Check(new OnnxBlockWiseRtnQuantizationPass(), new OnnxBlockWiseRtnQuantizationOptions { Bits = 4, BlockSize = 32 }, zeroPoints: false);
    }

    [Fact]
    public void HQQ_quantizes_a_float16_weight_with_float16_scales_and_zero_points()
    {
        Check(new OnnxHqqQuantizationPass(), new OnnxHqqQuantizationOptions { BlockSize = 32 }, zeroPoints: true);
    }

    private void Check<TOptions>(Engine.Passes.IPass<TOptions> pass, TOptions options, bool zeroPoints)
        where TOptions : class, new()
    {
        using var temp = new TempFolder();
        var source = FusedFormModels.WriteFloat16(temp.Sub("in"));
        var log = new StringWriter();
        var quantized = PassRunner.Run(pass, source, options, temp.Sub("out"), log);
        output.WriteLine(log.ToString().Trim());
        Assert.Contains("quantized per op type: 1 MatMul.", log.ToString(), StringComparison.Ordinal);

        var model = OnnxModel.Load(quantized);
        var node = Assert.Single(model.MainGraph.Nodes, n => n.OpType == "MatMulNBits");
        var weights = model.Weights().ToDictionary(w => w.Name, w => w.Tensor, StringComparer.Ordinal);
        Assert.Equal((int)OnnxDataType.Float16, weights[node.Input[2]].DataType);
        if (zeroPoints)
        {
            Assert.Equal((int)OnnxDataType.Float16, weights[node.Input[3]].DataType);
        }

        Assert.DoesNotContain(weights.Values, t => t.DataType == (int)OnnxDataType.Float16 && TensorData.ElementCount(t) == FusedFormModels.K * FusedFormModels.N);

        // Symmetric 4-bit blocks of weights below 0.5: step ≤ 1/16; the RMS error of independent uniform rounding is
        // step·√(Σx²/12); 3× that, plus float16 rounding of outputs below 8 (2⁻¹¹·8 per output, twice), bounds the RMS.
        var expected = FusedFormModels.RunFloat16(source);
        var actual = FusedFormModels.RunFloat16(quantized);
        var rms = WeightMatMulFormsTests.Rms(expected, actual);
        var limit = (3 * FusedFormModels.ExpectedRms(1.0 / 16)) + (2 * 8.0 / 2048);
        output.WriteLine($"RMS Δ vs the float16 model {rms:F4} (bound {limit:F4})");
        Assert.True(rms <= limit, $"RMS Δ {rms:F4} > {limit:F4}");
    }
}
