using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Static;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Quantization.Static;

public sealed class GemmAndWideTypeTests
{
    private const int K = 16;
    private const int N = 6;
    private static readonly OnnxStaticQuantizationPass Pass = new();

    /// <summary>
    /// Gemm y = x·Bᵀ + C with transB = 1 (B is [N,K]) per channel: the channel axis must be 0 there, so B gets N scales,
    /// and C is int32 with N scales. Calibrated and evaluated on the same input (MinMax: no clipping); uint8 weights
    /// (exact u8×u8 products), so |Δy_j| ≤ Σ_k (|x_k|·sw_j/2 + sx/2·|B_jk| + sx·sw_j/4) + sx·sw_j/2, plus 1e−5 of
    /// Σ|x||B| for float rounding.
    /// </summary>
    [Fact]
    public void A_Gemm_with_transB_is_quantized_per_channel_on_axis_0_and_stays_within_its_error_bound()
    {
        using var temp = new TempFolder();
        var b = ModelRunner.SeededFloats(N * K, 21);
        var c = ModelRunner.SeededFloats(N, 22);
        var model = WriteGemm(temp.Sub("in"), b, c);
        var x = ModelRunner.SeededFloats(K, 100);
        var data = temp.Sub("data");
        var sample = Directory.CreateDirectory(Path.Combine(data, "0")).FullName;
        File.WriteAllBytes(Path.Combine(sample, "input_0.pb"), TensorData.Create<float>("x", x, [1, K]).ToByteArray());
        var options = new OnnxStaticQuantizationOptions { DataDir = data, PerChannel = true, WeightType = "QUInt8" };
        var quantized = PassRunner.Run(Pass, model, options, temp.Sub("out"));

        var graph = OnnxModel.Load(quantized).MainGraph.Proto;
        Assert.Equal([(long)N], graph.Initializer.Single(t => t.Name == "B_scale").Dims);
        Assert.Equal((int)OnnxDataType.Int32, graph.Initializer.Single(t => t.Name == "C_quantized").DataType);

        var expected = Run(model, x);
        var actual = Run(quantized, x);
        var sx = (Math.Max(x.Max(), 0) - Math.Min(x.Min(), 0)) / 255.0;
        for (var j = 0; j < N; j++)
        {
            var row = b.Skip(j * K).Take(K).ToArray();
            var sw = (Math.Max(row.Max(), 0) - Math.Min(row.Min(), 0)) / 255.0;
            var bound = (sx * sw / 2) + Enumerable.Range(0, K).Sum(k =>
                (Math.Abs(x[k]) * sw / 2) + (sx / 2 * Math.Abs(row[k])) + (sx * sw / 4) + (1e-5 * Math.Abs(x[k] * row[k])));
            Assert.True(Math.Abs(expected[j] - actual[j]) <= bound, $"y[{j}]: |{expected[j]} − {actual[j]}| > {bound}");
        }

        Assert.False(OrtGraph.OptimizedOps(quantized).ContainsKey("Gemm"), "ORT left a float Gemm.");
    }

    /// <summary>
    /// 16-bit activations below opset 21 use com.microsoft Q/DQ, which ONNX Runtime runs. With weights int8 stores exactly,
    /// the error comes from the activation steps (and the int32 bias, whose step shrinks with them), which are 257 times
    /// smaller in 16 bits, so the 16-bit error must be well below the 8-bit one (a tenth leaves room for float rounding).
    /// </summary>
    [Fact]
    public void Sixteen_bit_activations_use_com_microsoft_QDQ_below_opset_21_and_are_more_accurate_than_8_bit()
    {
        using var temp = new TempFolder();
        var model = ConvReluMatMulModel.Write(temp.Sub("in"), exactWeights: true);
        var data = ConvReluMatMulModel.WriteDataDir(temp.Sub("data"), 2);
        var wide = PassRunner.Run(Pass, model, new OnnxStaticQuantizationOptions { DataDir = data, ActivationType = "QUInt16" }, temp.Sub("u16"));
        var narrow = PassRunner.Run(Pass, model, new OnnxStaticQuantizationOptions { DataDir = data }, temp.Sub("u8"));

        var q = OnnxModel.Load(wide).MainGraph.Nodes.Where(n => n.OpType == "QuantizeLinear").ToList();
        Assert.NotEmpty(q);
        Assert.All(q, n => Assert.Equal("com.microsoft", n.Domain));

        var x = ConvReluMatMulModel.Sample(0);
        using var value = OrtValue.CreateTensor<float>(x.ToArray(), ConvReluMatMulModel.InputShape);
        var expected = ModelRunner.Run(model, ("x", value))["y"];
        var wideError = ModelRunner.MaxAbsDiff(expected, ModelRunner.Run(wide, ("x", value))["y"]);
        var narrowError = ModelRunner.MaxAbsDiff(expected, ModelRunner.Run(narrow, ("x", value))["y"]);
        Assert.True(wideError < narrowError / 10, $"16-bit error {wideError} is not a tenth of the 8-bit error {narrowError}");
    }

    private static float[] Run(string path, float[] x)
    {
        using var value = OrtValue.CreateTensor<float>(x.ToArray(), [1, K]);
        return ModelRunner.Run(path, ("x", value))["y"];
    }

    private static string WriteGemm(string folder, float[] b, float[] c)
    {
        var g = new GraphProto { Name = "gemm" };
        g.Input.Add(Value("x", [1, K]));
        g.Output.Add(Value("y", [1, N]));
        g.Initializer.Add(TensorData.Create<float>("B", b, [N, K]));
        g.Initializer.Add(TensorData.Create<float>("C", c, [N]));
        var gemm = new NodeProto { OpType = "Gemm", Name = "gemm" };
        gemm.Input.AddRange(["x", "B", "C"]);
        gemm.Output.Add("y");
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        g.Node.Add(gemm);
        var model = new ModelProto { IrVersion = 8, ProducerName = "olivenet-tests", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 13 });
        var path = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static ValueInfoProto Value(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }
}
