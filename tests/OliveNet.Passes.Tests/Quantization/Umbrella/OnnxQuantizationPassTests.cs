using OliveNet.Engine.Passes;
using OliveNet.Passes.Quantization.Umbrella;
using OliveNet.Passes.Tests.Quantization.Dynamic;
using OliveNet.Passes.Tests.Quantization.Static;

namespace OliveNet.Passes.Tests.Quantization.Umbrella;

/// <summary>OnnxQuantization delegates by quant_mode; ORT's optimized graph shows which quantizer ran.</summary>
public sealed class OnnxQuantizationPassTests
{
    private static readonly OnnxQuantizationPass Pass = new();

    [Fact]
    public void Static_mode_gives_the_QDQ_pattern_ORT_fuses_into_QLinearConv()
    {
        using var temp = new TempFolder();
        var options = new OnnxQuantizationOptions { QuantMode = "static", CalibrationSamples = 2 };
        var quantized = PassRunner.Run(Pass, ConvReluMatMulModel.Write(temp.Sub("in")), options, temp.Sub("out"));
        var ops = OrtGraph.OptimizedOps(quantized);
        Assert.True(ops.ContainsKey("QLinearConv") || ops.ContainsKey("com.microsoft.QLinearConv"), string.Join(", ", ops.Keys));
    }

    [Fact]
    public void Dynamic_mode_gives_the_pattern_ORT_fuses_into_DynamicQuantizeMatMul()
    {
        using var temp = new TempFolder();
        var options = new OnnxQuantizationOptions { QuantMode = "dynamic" };
        var quantized = PassRunner.Run(Pass, MatMulModels.Write(temp.Sub("in"), ["a"]), options, temp.Sub("out"));
        Assert.True(OrtGraph.OptimizedOps(quantized).ContainsKey("com.microsoft.DynamicQuantizeMatMul"));
    }

    [Fact]
    public void Options_of_the_other_mode_and_an_unknown_mode_are_refused_by_key()
    {
        var dynamicWithCalibration = Pass.Validate(new OnnxQuantizationOptions { QuantMode = "dynamic", CalibrateMethod = "Entropy" }, Target.Cpu);
        Assert.Contains("calibrate_method: applies to quant_mode static only; remove it or set quant_mode: static.", dynamicWithCalibration);
        var staticWithSubgraphs = Pass.Validate(new OnnxQuantizationOptions { EnableSubgraph = true }, Target.Cpu);
        Assert.Contains("enable_subgraph: applies to quant_mode dynamic only; remove it or set quant_mode: dynamic.", staticWithSubgraphs);
        Assert.Equal(["quant_mode: 'qat' is not one of static, dynamic."], Pass.Validate(new OnnxQuantizationOptions { QuantMode = "qat" }, Target.Cpu));
        Assert.Empty(Pass.Validate(new OnnxQuantizationOptions(), Target.Cpu));

        // matmul_const_b_only belongs to both modes: static passes it on to the static quantizer.
        Assert.Empty(Pass.Validate(new OnnxQuantizationOptions { QuantMode = "static", MatmulConstBOnly = false }, Target.Cpu));
        Assert.False(OnnxQuantizationPass.ToStatic(new OnnxQuantizationOptions { MatmulConstBOnly = false }).MatmulConstBOnly);
    }
}
