using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Quantization.Static;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Quantization.Static;

public sealed class OnnxStaticQuantizationPassTests
{
    private const int Samples = 4;
    private static readonly OnnxStaticQuantizationPass Pass = new();

    /// <summary>
    /// Evaluated on the calibration samples themselves, so with MinMax no value leaves its calibrated range and every
    /// rounding is at most half a step. Weights are uint8 (asymmetric): this machine's AVX2 u8×s8 kernel saturates int16
    /// pair sums with full-range int8 weights, while u8×u8 does not, so the integer products are exact. Steps: input
    /// sx = (max(x,0) − min(x,0))/255; weights sw = (max(W,0) − min(W,0))/255; bias sx·sw1; Relu output sr = max(r)/255
    /// (min 0: Relu removed, the Q clamps). Conv+Relu (Relu is 1-Lipschitz), output channel c with 18 taps:
    /// |Δr| ≤ E_c = 18·max|x|·sw1/2 + sx/2·Σ|W1_c| + 18·sx·sw1/4 + sx·sw1/2 + sr, the last a full step because the fused
    /// kernel's requantization may round to the neighbour. MatMul column j over the 64 flattened r (channel k/16):
    /// |Δy_j| ≤ Σ_k (|r_k|·sw2/2 + E_c(k)·|W2_kj| + E_c(k)·sw2/2), plus 1e−5 of Σ_k |r_k|·|W2_kj| for float rounding.
    /// </summary>
    [Fact]
    public void The_quantized_model_stays_within_the_bound_derived_from_the_activation_and_weight_steps()
    {
        using var temp = new TempFolder();
        var model = ConvReluMatMulModel.Write(temp.Sub("in"));
        var options = new OnnxStaticQuantizationOptions { DataDir = ConvReluMatMulModel.WriteDataDir(temp.Sub("data"), Samples), WeightType = "QUInt8" };
        var quantized = PassRunner.Run(Pass, model, options, temp.Sub("out"));

        var w1 = ConvReluMatMulModel.ConvWeight;
        var w2 = ConvReluMatMulModel.MatMulWeight;
        var sw1 = (Math.Max(w1.Max(), 0) - Math.Min(w1.Min(), 0)) / 255.0;
        var sw2 = (Math.Max(w2.Max(), 0) - Math.Min(w2.Min(), 0)) / 255.0;
        var xs = Enumerable.Range(0, Samples).Select(ConvReluMatMulModel.Sample).ToList();
        var all = xs.SelectMany(x => x).ToArray();
        var sx = (Math.Max(all.Max(), 0) - Math.Min(all.Min(), 0)) / 255.0;
        var maxX = all.Max(Math.Abs);
        var rs = xs.Select(x => ReluOutput(model, x)).ToList();
        var sr = rs.Max(r => r.Max()) / 255.0;
        var taps = ConvReluMatMulModel.ConvTaps;
        var e = Enumerable.Range(0, 4)
            .Select(c => (taps * maxX * sw1 / 2) + (sx / 2 * w1.Skip(c * taps).Take(taps).Sum(Math.Abs)) + (taps * sx * sw1 / 4) + (sx * sw1 / 2) + sr)
            .ToArray();

        var k = ConvReluMatMulModel.MatMulDepth;
        for (var s = 0; s < Samples; s++)
        {
            var expected = Run(model, xs[s], GraphOptimizationLevel.DisableAll);
            var actual = Run(quantized, xs[s], GraphOptimizationLevel.All);
            for (var j = 0; j < 5; j++)
            {
                double bound = 0;
                for (var i = 0; i < k; i++)
                {
                    var ec = e[i / 16];
                    var w = Math.Abs(w2[(i * 5) + j]);
                    bound += (Math.Abs(rs[s][i]) * sw2 / 2) + (ec * w) + (ec * sw2 / 2) + (1e-5 * Math.Abs(rs[s][i]) * w);
                }

                Assert.True(Math.Abs(expected[j] - actual[j]) <= bound, $"sample {s}, y[{j}]: |{expected[j]} − {actual[j]}| > bound {bound}");

                // Not vacuous: the bound is a fraction of what the output could be off by if the scales were wrong.
                Assert.True(bound < rs[s].Select((r, i) => Math.Abs(r * w2[(i * 5) + j])).Sum(), $"bound {bound} is vacuous");
            }
        }
    }

    [Fact]
    public void ORT_fuses_the_QDQ_pattern_into_QLinearConv_and_a_quantized_MatMul_with_an_int32_bias()
    {
        using var temp = new TempFolder();
        var quantized = PassRunner.Run(Pass, ConvReluMatMulModel.Write(temp.Sub("in")), new OnnxStaticQuantizationOptions { CalibrationSamples = 2 }, temp.Sub("out"));

        var graph = OnnxModel.Load(quantized).MainGraph.Proto;
        Assert.DoesNotContain(graph.Node, n => n.OpType == "Relu");
        var conv = graph.Node.Single(n => n.OpType == "Conv");
        var biasDq = graph.Node.Single(n => n.Output[0] == conv.Input[2]);
        Assert.Equal("DequantizeLinear", biasDq.OpType);
        Assert.Equal((int)OnnxDataType.Int32, graph.Initializer.Single(t => t.Name == biasDq.Input[0]).DataType);
        Assert.Equal((int)OnnxDataType.Int8, graph.Initializer.Single(t => t.Name == "W1_quantized").DataType);
        Assert.DoesNotContain(graph.Initializer, t => t.Name is "W1" or "W2" or "b1");

        var ops = OrtGraph.OptimizedOps(quantized);
        var names = string.Join(", ", ops.Keys);
        Assert.True(ops.GetValueOrDefault("QLinearConv") == 1, "No QLinearConv: " + names);
        Assert.True(ops.ContainsKey("QLinearMatMul") || ops.ContainsKey("com.microsoft.MatMulIntegerToFloat"), "No quantized MatMul: " + names);
        Assert.False(ops.ContainsKey("Conv") || ops.ContainsKey("MatMul"), "A float Conv or MatMul is left: " + names);
    }

    [Fact]
    public void Per_channel_weights_get_one_scale_per_output_channel_on_the_documented_axes()
    {
        using var temp = new TempFolder();
        var options = new OnnxStaticQuantizationOptions { PerChannel = true, CalibrationSamples = 2 };
        var quantized = PassRunner.Run(Pass, ConvReluMatMulModel.Write(temp.Sub("in")), options, temp.Sub("out"));

        var graph = OnnxModel.Load(quantized).MainGraph.Proto;
        Assert.Equal([4L], graph.Initializer.Single(t => t.Name == "W1_scale").Dims);
        Assert.Equal([5L], graph.Initializer.Single(t => t.Name == "W2_scale").Dims);
        Assert.Equal(0, graph.Node.Single(n => n.Name == "W1_DequantizeLinear").Attribute.Single(a => a.Name == "axis").I);
        Assert.Equal(1, graph.Node.Single(n => n.Name == "W2_DequantizeLinear").Attribute.Single(a => a.Name == "axis").I);
        Assert.True(OrtGraph.OptimizedOps(quantized).ContainsKey("QLinearConv"));
    }

    [Theory]
    [InlineData("MinMax")]
    [InlineData("Entropy")]
    [InlineData("Percentile")]
    public void Quantizing_twice_gives_byte_identical_files(string method)
    {
        using var temp = new TempFolder();
        var model = ConvReluMatMulModel.Write(temp.Sub("in"));
        var options = new OnnxStaticQuantizationOptions { CalibrateMethod = method, CalibrationSamples = 3, Seed = 4 };
        var first = PassRunner.Run(Pass, model, options, temp.Sub("a"));
        var second = PassRunner.Run(Pass, model, options, temp.Sub("b"));
        PassRunner.AssertSameFiles(Path.GetDirectoryName(first)!, Path.GetDirectoryName(second)!);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "a", ".calibration")), "The augmented model was left behind.");
    }

    [Fact]
    public void A_tensor_quant_override_replaces_the_calibrated_scale_and_zero_point_and_rescales_the_bias()
    {
        using var temp = new TempFolder();
        var options = new OnnxStaticQuantizationOptions
        {
            CalibrationSamples = 2,
            TensorQuantOverrides = new() { ["x"] = new TensorQuantOverride { Scale = 0.125f, ZeroPoint = 3 } },
        };
        var log = new StringWriter();
        var quantized = PassRunner.Run(Pass, ConvReluMatMulModel.Write(temp.Sub("in")), options, temp.Sub("out"), log);

        var graph = OnnxModel.Load(quantized).MainGraph.Proto;
        Assert.Equal([0.125f], TensorData.Read<float>(graph.Initializer.Single(t => t.Name == "x_scale"), null));
        Assert.Equal([(byte)3], TensorData.Read<byte>(graph.Initializer.Single(t => t.Name == "x_zero_point"), null));
        var weightScale = TensorData.Read<float>(graph.Initializer.Single(t => t.Name == "W1_scale"), null).Single();
        Assert.Equal(0.125f * weightScale, TensorData.Read<float>(graph.Initializer.Single(t => t.Name == "b1_quantized_scale"), null).Single());
        Assert.Contains("1 override(s) applied", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Options_the_pass_cannot_honour_are_reported_by_key()
    {
        var problems = Pass.Validate(
            new OnnxStaticQuantizationOptions { QuantFormat = "QOp", CalibrateMethod = "minmx", DataDir = "calib", OpTypesToQuantize = ["Softmx"], TensorQuantOverrides = new() { ["x"] = new TensorQuantOverride { Scale = 0, ZeroPoint = 300 } } },
            Target.Cpu);
        Assert.Contains(problems, p => p.StartsWith("quant_format: 'QOp' is not one of QDQ, QOperator", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("calibrate_method: 'minmx'", StringComparison.Ordinal) && p.Contains("did you mean MinMax?", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("data_dir: 'calib' is relative", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("op_types_to_quantize: 'Softmx'", StringComparison.Ordinal) && p.Contains("did you mean Softmax?", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("tensor_quant_overrides.x.scale", StringComparison.Ordinal));
        Assert.Empty(Pass.Validate(new OnnxStaticQuantizationOptions(), Target.Cpu));
    }

    [Fact]
    public void Per_channel_on_an_opset_11_model_raises_it_to_13_and_ORT_fuses_the_per_axis_pattern()
    {
        using var temp = new TempFolder();
        var log = new StringWriter();
        var options = new OnnxStaticQuantizationOptions { PerChannel = true, CalibrationSamples = 2 };
        var quantized = PassRunner.Run(Pass, ConvReluMatMulModel.Write(temp.Sub("in"), opset: 11), options, temp.Sub("out"), log);

        var model = OnnxModel.Load(quantized);
        Assert.Equal(13, model.OpsetImports[string.Empty]);
        Assert.Contains("raised ai.onnx opset 11 to 13 (per_channel needs per-axis DequantizeLinear)", log.ToString(), StringComparison.Ordinal);
        Assert.Equal([4L], model.MainGraph.Proto.Initializer.Single(t => t.Name == "W1_scale").Dims);
        Assert.True(OrtGraph.OptimizedOps(quantized).ContainsKey("QLinearConv"));
    }

    private static float[] Run(string path, float[] x, GraphOptimizationLevel level)
    {
        using var options = new SessionOptions { OptimizationLevel = level };
        using var session = new InferenceSession(path, options);
        using var value = OrtValue.CreateTensor<float>(x.ToArray(), ConvReluMatMulModel.InputShape);
        using var outputs = session.Run([KeyValuePair.Create("x", value)]);
        return outputs[0].GetTensorData<float>().ToArray();
    }

    /// <summary>The Relu output for one input, read from the float model.</summary>
    private static float[] ReluOutput(string model, float[] x)
    {
        var proto = OnnxModel.Load(model);
        proto.MainGraph.Proto.Output.Add(new Onnx.Protos.ValueInfoProto
        {
            Name = "r",
            Type = new Onnx.Protos.TypeProto { TensorType = new Onnx.Protos.TypeProto.Types.Tensor { ElemType = 1 } },
        });
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.DisableAll };
        using var session = new InferenceSession(proto.ToBytes(), options);
        using var value = OrtValue.CreateTensor<float>(x.ToArray(), ConvReluMatMulModel.InputShape);
        using var outputs = session.Run([KeyValuePair.Create("x", value)], ["r"]);
        return outputs[0].GetTensorData<float>().ToArray();
    }
}
