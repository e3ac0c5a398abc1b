using OliveNet.Onnx;
using OliveNet.Passes.Quantization.BlockWise;
using OliveNet.Passes.Tests.Graph.Surgeries;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.BlockWise;

/// <summary>OnnxKQuantQuantization on the float Qwen3 export: MatMulNBits with zero points, per-node bits, and logits closer than min/max rounding.</summary>
public sealed class OnnxKQuantQuantizationPassTests(ITestOutputHelper output)
{
    [Fact]
    public void K_quant_int4_is_at_least_as_close_to_the_float_logits_as_asymmetric_round_to_nearest()
    {
        using var temp = new TempFolder();
        var source = SurgeryModels.Qwen3(temp.Sub("fp32"), "fp32");
        var kquant = PassRunner.Run(new OnnxKQuantQuantizationPass(), source, new OnnxKQuantQuantizationOptions(), temp.Sub("kquant"));
        var rtn = PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), source, new OnnxBlockWiseRtnQuantizationOptions { BlockSize = 32, IsSymmetric = false }, temp.Sub("rtn"));

        var matMuls = SurgeryModels.Count(source, "MatMul");
        Assert.Equal(matMuls, SurgeryModels.Count(kquant, "MatMulNBits") + SurgeryModels.Count(kquant, "MatMul"));
        var node = OnnxModel.Load(kquant).MainGraph.Nodes.First(n => n.OpType == "MatMulNBits");
        Assert.Equal(4, node.Attribute.Single(a => a.Name == "bits").I);
        Assert.Equal(32, node.Attribute.Single(a => a.Name == "block_size").I);
        Assert.Equal(4, node.Input.Count);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(kquant)!, "genai_config.json")), "genai_config.json should be carried over");

        // k-quant searches each block's scale and minimum for a smaller importance-weighted error than min/max rounding.
        var reference = SurgeryModels.Logits(source);
        var kError = MeanSquared(reference, SurgeryModels.Logits(kquant));
        var rtnError = MeanSquared(reference, SurgeryModels.Logits(rtn));
        output.WriteLine($"logit MSE vs float: k-quant {kError:E3}, asymmetric RTN {rtnError:E3}");
        Assert.True(kError <= rtnError, $"k-quant {kError:E3} should not be worse than RTN {rtnError:E3}");
    }

    [Fact]
    public void Per_node_bits_and_glob_exclusions_apply()
    {
        using var temp = new TempFolder();
        var source = SurgeryModels.Qwen3(temp.Sub("fp32"), "fp32");
        var first = OnnxModel.Load(source).MainGraph.Nodes.First(n => n.OpType == "MatMul" && n.Name.Contains("layers.0", StringComparison.Ordinal)).Name;
        var options = new OnnxKQuantQuantizationOptions
        {
            CustomizedWeightConfig = new() { [first] = new() { ["bits"] = 8, ["group_size"] = 64 } },
            NodesToExclude = ["*/lm_head/*"],
        };
        var quantized = PassRunner.Run(new OnnxKQuantQuantizationPass(), source, options, temp.Sub("q"));
        var graph = OnnxModel.Load(quantized).MainGraph;
        var eight = graph.Nodes.Single(n => n.OpType == "MatMulNBits" && n.Attribute.Single(a => a.Name == "bits").I == 8);
        Assert.StartsWith(first, eight.Name, StringComparison.Ordinal);
        Assert.Equal(64, eight.Attribute.Single(a => a.Name == "block_size").I);
        Assert.Equal("MatMul", graph.Producer("logits")!.OpType);
    }

    private static double MeanSquared(float[] a, float[] b) =>
        a.Zip(b, (x, y) => ((double)x - y) * ((double)x - y)).Average();
}
