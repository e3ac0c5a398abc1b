using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.BlockWise;
using OliveNet.Passes.Quantization.Common;
using OliveNet.Passes.Quantization.Dynamic;
using OliveNet.Passes.Quantization.Static;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.Common;

/// <summary>
/// FusedMatMul (transA, transB, alpha), Gemm (transB, alpha, beta, C) and MatMul with B behind a Transpose or Reshape of a
/// constant: rewritten exactly to MatMul with a constant B, and quantized by every quantizer with outputs within the
/// worst-case error the quantization steps allow (<see cref="FusedFormModels.Bound"/>).
/// </summary>
public sealed class WeightMatMulFormsTests(ITestOutputHelper output)
{
    private const int Elements = FusedFormModels.K * FusedFormModels.N;

    [Fact]
    public void Every_form_becomes_a_MatMul_with_a_constant_B_and_computes_the_same_values()
    {
        using var temp = new TempFolder();
        var source = FusedFormModels.Write(temp.Sub("in"));
        var model = OnnxModel.Load(source);
        var result = WeightMatMulForms.Apply(model, model.MainGraph, new UniqueNames(model), new MatMulFormSelection(_ => true, Gemm: true, t => t == OnnxDataType.Float));
        var rewritten = Path.Combine(temp.Sub("out"), "model.onnx");
        model.Save(rewritten);

        Assert.Empty(result.Skipped);
        Assert.Equal(FusedFormModels.Forms.Select(f => (f.Node, f.OpType)).Order(), result.Origins.Select(kv => (kv.Key, kv.Value)).Order());
        var nodes = OnnxModel.Load(rewritten).MainGraph.Nodes;
        Assert.DoesNotContain(nodes, n => n.OpType is "FusedMatMul" or "Gemm" or "Reshape");
        var initializers = model.MainGraph.Proto.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(nodes.Where(n => n.OpType == "MatMul"), n => Assert.Contains(n.Input[1], initializers));
        // The transposed or reshaped copies replace their sources, which nothing reads any more.
        Assert.Equal(5, model.MainGraph.Proto.Initializer.Count(t => TensorData.ElementCount(t) == Elements));

        // Only the weights' element order changed; MatMul may sum in another order than the fused kernels, so allow
        // float32 rounding of a 64-term sum of products below 1: 64 · 2⁻²⁴ · 64 ≈ 2.4e-4, taken as 1e-4 of the sum's bound.
        var expected = FusedFormModels.Run(source);
        var actual = FusedFormModels.Run(rewritten);
        foreach (var (name, values) in expected)
        {
            Assert.True(ModelRunner.MaxAbsDiff(values, actual[name]) <= 1e-4, $"{name}: max |Δ| {ModelRunner.MaxAbsDiff(values, actual[name]):G3}");
        }
    }

    [Fact]
    public void A_FusedMatMul_with_a_non_constant_B_is_left_alone_and_reported()
    {
        using var temp = new TempFolder();
        var g = new GraphProto { Name = "activations" };
        g.Input.Add(Dynamic.MatMulModels.Value("a", [4, 8]));
        g.Input.Add(Dynamic.MatMulModels.Value("b", [4, 8]));
        var node = Dynamic.MatMulModels.Node("FusedMatMul", "qk", ["a", "b"], ["y"]);
        node.Domain = "com.microsoft";
        node.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        g.Node.Add(node);
        g.Output.Add(Dynamic.MatMulModels.Value("y", [4, 4]));
        var model = OnnxModel.Load(Dynamic.MatMulModels.Save(temp.Path, g));
        var before = model.Proto.ToByteArray();

        var result = WeightMatMulForms.Apply(model, model.MainGraph, new UniqueNames(model), new MatMulFormSelection(_ => true, Gemm: true, t => t == OnnxDataType.Float));

        Assert.Equal(("FusedMatMul", "qk"), (result.Skipped.Single().OpType, result.Skipped.Single().Node));
        Assert.Contains("not a constant", result.Skipped.Single().Reason, StringComparison.Ordinal);
        Assert.Equal(before, model.Proto.ToByteArray());
    }

    /// <summary>Per-tensor symmetric int8 weights (step max|w|/127 ≤ 0.5/127), uint8 activations over [min(x, 0), max(x, 0)] (step ≤ 2/255).</summary>
    [Fact]
    public void Dynamic_INT8_quantizes_every_form_within_the_quantization_step()
    {
        var log = QuantizeAndCompare(
            (source, folder, log) => PassRunner.Run(new OnnxDynamicQuantizationPass(), source, new OnnxDynamicQuantizationOptions { OpTypesToQuantize = ["MatMul", "Gemm"] }, folder, log),
            alpha => FusedFormModels.Bound(alpha, 0.5 / 127, 2.0 / 255),
            outputStep: false);
        Assert.Contains("quantized per op type: 2 FusedMatMul, 1 Gemm, 2 MatMul.", log, StringComparison.Ordinal);
    }

    /// <summary>As dynamic, calibrated on the test input itself (so no clipping), plus half an output step (≤ max|y|/255).</summary>
    [Fact]
    public void Static_QDQ_quantizes_every_form_within_the_quantization_step()
    {
        var log = QuantizeAndCompare(
            (source, folder, log) =>
            {
                var options = new OnnxStaticQuantizationOptions { DataDir = WriteSample(Path.Combine(folder, "..", "calibration")), OpTypesToQuantize = ["MatMul", "Gemm"] };
                return PassRunner.Run(new OnnxStaticQuantizationPass(), source, options, folder, log);
            },
            alpha => FusedFormModels.Bound(alpha, 0.5 / 127, 2.0 / 255),
            outputStep: true);
        Assert.Contains("quantized per op type: 2 FusedMatMul, 1 Gemm, 2 MatMul.", log, StringComparison.Ordinal);
    }

    /// <summary>
    /// Weight-only, symmetric blocks: step absmax/2^(bits−1) ≤ 0.5/2^(bits−1); the clamp at 2^(bits−1)−1 can cost one whole
    /// step, so each weight moves by at most one step (passed as twice the half-step). At 4 bits that worst case is near
    /// |y| itself, so the RMS error is held too: rounding errors uniform in ±s/2 give E[Δy²] = Σx²·s²/12 per output.
    /// </summary>
    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void Block_wise_RTN_quantizes_every_form_within_the_quantization_step(int bits)
    {
        var step = 0.5 / (1 << (bits - 1));
        var log = QuantizeAndCompare(
            (source, folder, log) => PassRunner.Run(
                new OnnxBlockWiseRtnQuantizationPass(), source, new OnnxBlockWiseRtnQuantizationOptions { Bits = bits, BlockSize = 32, OpTypesToQuantize = ["MatMul", "Gemm"] }, folder, log),
            alpha => FusedFormModels.Bound(alpha, 2 * step, 0),
            outputStep: false,
            rmsStep: step);
        Assert.Contains("quantized per op type: 2 FusedMatMul, 1 Gemm, 2 MatMul.", log, StringComparison.Ordinal);
    }

    [Fact]
    public void HQQ_quantizes_the_FusedMatMul_and_MatMul_forms_and_reports_Gemm_as_not_selected()
    {
        using var temp = new TempFolder();
        var log = new StringWriter();
        var quantized = PassRunner.Run(new OnnxHqqQuantizationPass(), FusedFormModels.Write(temp.Sub("in")), new OnnxHqqQuantizationOptions { BlockSize = 32 }, temp.Sub("out"), log);
        output.WriteLine(log.ToString().Trim());
        Assert.Contains("quantized per op type: 2 FusedMatMul, 2 MatMul.", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(4, OnnxModel.Load(quantized).MainGraph.Nodes.Count(n => n.OpType == "MatMulNBits"));
        Assert.Single(OnnxModel.Load(quantized).MainGraph.Nodes, n => n.OpType == "Gemm");
    }

    private string QuantizeAndCompare(Func<string, string, TextWriter, string> quantize, Func<float, double> bound, bool outputStep, double rmsStep = 0)
    {
        using var temp = new TempFolder();
        var source = FusedFormModels.Write(temp.Sub("in"));
        var log = new StringWriter();
        var quantized = quantize(source, temp.Sub("out"), log);
        output.WriteLine(log.ToString().Trim());

        // Every weight of K·N elements is stored quantized: no float tensor of that size is left.
        var weights = OnnxModel.Load(quantized).Weights().Select(w => w.Tensor).ToList();
        Assert.DoesNotContain(weights, t => t.DataType == (int)OnnxDataType.Float && TensorData.ElementCount(t) == Elements);

        var expected = FusedFormModels.Run(source);
        var actual = FusedFormModels.Run(quantized);
        foreach (var (name, _, _, alpha) in FusedFormModels.Forms)
        {
            var limit = bound(alpha) + (outputStep ? expected[name].Max(Math.Abs) / 255.0 : 0);
            var diff = ModelRunner.MaxAbsDiff(expected[name], actual[name]);
            output.WriteLine($"{name}: max |Δ| {diff:F4} (bound {limit:F4}, max |y| {expected[name].Max(Math.Abs):F2})");
            Assert.True(diff <= limit, $"{name}: max |Δ| {diff:F4} > {limit:F4}");
            if (rmsStep > 0)
            {
                var rms = Rms(expected[name], actual[name]);
                var rmsLimit = 3 * alpha * FusedFormModels.ExpectedRms(rmsStep);
                output.WriteLine($"{name}: RMS Δ {rms:F4} (3σ bound {rmsLimit:F4})");
                Assert.True(rms <= rmsLimit, $"{name}: RMS Δ {rms:F4} > {rmsLimit:F4}");
            }
        }

        return log.ToString();
    }

    internal static double Rms(float[] expected, float[] actual) =>
        Math.Sqrt(expected.Zip(actual).Average(p => (double)(p.First - p.Second) * (p.First - p.Second)));

    /// <summary>One calibration sample holding the test's x and xt, so calibrated ranges cover the compared input exactly.</summary>
    private static string WriteSample(string dataDir)
    {
        var x = ModelRunner.SeededFloats(FusedFormModels.Rows * FusedFormModels.K, 42);
        var xt = new float[x.Length];
        for (var r = 0; r < FusedFormModels.Rows; r++)
        {
            for (var k = 0; k < FusedFormModels.K; k++)
            {
                xt[(k * FusedFormModels.Rows) + r] = x[(r * FusedFormModels.K) + k];
            }
        }

        var sample = Directory.CreateDirectory(Path.Combine(dataDir, "sample_0")).FullName;
        File.WriteAllBytes(Path.Combine(sample, "input_0.pb"), TensorData.Create<float>("x", x, [FusedFormModels.Rows, FusedFormModels.K]).ToByteArray());
        File.WriteAllBytes(Path.Combine(sample, "input_1.pb"), TensorData.Create<float>("xt", xt, [1, FusedFormModels.K, FusedFormModels.Rows]).ToByteArray());
        return dataDir;
    }
}
