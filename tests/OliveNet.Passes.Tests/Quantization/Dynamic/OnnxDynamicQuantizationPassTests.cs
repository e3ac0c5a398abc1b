using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Quantization.Dynamic;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Quantization.Dynamic;

public sealed class OnnxDynamicQuantizationPassTests
{
    private static readonly OnnxDynamicQuantizationPass Pass = new();

    /// <summary>
    /// Error bound of Y = X·W with X quantized per tensor to uint8 (step sx) and W per tensor or per column (step sw).
    /// The ranges include every value (DynamicQuantizeLinear and the weight range both cover [min, max] ∪ {0}, and the
    /// rounded zero point maps min and max exactly onto qmin and qmax), so each element is off by at most half a step:
    /// X̂ = X + eₓ, |eₓ| ≤ sx/2; Ŵ = W + e_w, |e_w| ≤ sw/2. Then Ŷ − Y = Σₖ (Xₖ e_w + eₓ Wₖ + eₓ e_w), so per element
    /// |ΔY| ≤ K·(max|X|·sw/2 + sx/2·max|W| + sx·sw/4). The integer product is exact (int32) and the rescale adds float
    /// rounding of about 1e−6 relative to Σ|X||W| ≤ K·max|X|·max|W|; 1e−5 of that covers it.
    /// Full-range int8 weights are not in this list: on x86 CPUs without VNNI, MLAS's u8×s8 kernel (VPMADDUBSW) adds
    /// pairs of products into saturating int16 (2·255·127 > 32767), so the integer product is not exact there; that is
    /// what reduce_range (int8 −64..64) is for, and uint8 weights use a kernel without that saturation.
    /// </summary>
    [Theory]
    [InlineData("QInt8", true, false)]
    [InlineData("QInt8", true, true)]
    [InlineData("QUInt8", false, false)]
    [InlineData("QUInt8", false, true)]
    public void A_quantized_MatMul_stays_within_the_dynamic_quantization_error_bound(string weightType, bool reduceRange, bool perChannel)
    {
        using var temp = new TempFolder();
        var model = MatMulModels.Write(temp.Sub("in"), ["mm"]);
        var options = new OnnxDynamicQuantizationOptions { WeightType = weightType, ReduceRange = reduceRange, PerChannel = perChannel };
        var quantized = PassRunner.Run(Pass, model, options, temp.Sub("out"));

        var x = ModelRunner.SeededFloats(MatMulModels.Rows * MatMulModels.K, 5);
        var w = MatMulModels.Weights(100);
        var expected = RunMatMul(model, x)["y_mm"];
        var actual = RunMatMul(quantized, x)["y_mm"];

        var maxX = x.Max(Math.Abs);
        var sx = (Math.Max(x.Max(), 0) - Math.Min(x.Min(), 0)) / 255.0;
        double largestBound = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var column = i % MatMulModels.N;
            var values = perChannel ? Enumerable.Range(0, MatMulModels.K).Select(k => w[(k * MatMulModels.N) + column]).ToArray() : w;
            var maxW = values.Max(Math.Abs);

            // int8 symmetric reduced: ±max|W| over −64..64; uint8 asymmetric: [min ∧ 0, max ∨ 0] over 0..255.
            var sw = weightType == "QInt8" ? maxW / 64.0 : (Math.Max(values.Max(), 0) - Math.Min(values.Min(), 0)) / 255.0;
            var bound = (MatMulModels.K * ((maxX * sw / 2) + (sx / 2 * maxW) + (sx * sw / 4))) + (1e-5 * MatMulModels.K * maxX * maxW);
            largestBound = Math.Max(largestBound, bound);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= bound, $"y[{i}]: |{expected[i]} − {actual[i]}| > bound {bound}");
        }

        // The bound must not be vacuous: the float outputs reach well above it.
        Assert.True(expected.Max(Math.Abs) > 2 * largestBound, $"max |y| {expected.Max(Math.Abs)} vs bound {largestBound}");
    }

    [Fact]
    public void ORT_fuses_the_quantized_MatMul_into_DynamicQuantizeMatMul_and_no_float_MatMul_is_left()
    {
        using var temp = new TempFolder();
        var quantized = PassRunner.Run(Pass, MatMulModels.Write(temp.Sub("in"), ["mm"]), new OnnxDynamicQuantizationOptions(), temp.Sub("out"));

        var written = OnnxModel.Load(quantized).MainGraph.Nodes.Select(n => n.OpType).ToList();
        Assert.Equal(["DynamicQuantizeLinear", "MatMulInteger", "Mul", "Cast", "Mul"], written);
        var ops = OrtGraph.OptimizedOps(quantized);
        Assert.Equal(1, ops.GetValueOrDefault("com.microsoft.DynamicQuantizeMatMul"));
        Assert.False(ops.ContainsKey("MatMul"), "A float MatMul is left: " + string.Join(", ", ops.Keys));
        Assert.False(ops.ContainsKey("MatMulInteger"), "ORT did not fuse the pattern: " + string.Join(", ", ops.Keys));
    }

    [Fact]
    public void Int8_weights_are_stored_symmetric_with_zero_point_0_and_uint8_weights_asymmetric()
    {
        using var temp = new TempFolder();
        var input = MatMulModels.Write(temp.Sub("in"), ["mm"]);

        var s8 = OnnxModel.Load(PassRunner.Run(Pass, input, new OnnxDynamicQuantizationOptions(), temp.Sub("s8"))).MainGraph.Proto;
        Assert.Equal((int)OnnxDataType.Int8, s8.Initializer.Single(t => t.Name == "W_mm_quantized").DataType);
        Assert.Equal([(sbyte)0], TensorData.Read<sbyte>(s8.Initializer.Single(t => t.Name == "W_mm_zero_point"), null));

        var u8 = OnnxModel.Load(PassRunner.Run(Pass, input, new OnnxDynamicQuantizationOptions { WeightType = "QUInt8" }, temp.Sub("u8"))).MainGraph.Proto;
        Assert.Equal((int)OnnxDataType.UInt8, u8.Initializer.Single(t => t.Name == "W_mm_quantized").DataType);
        // Weights in [−0.5, 0.5) asymmetric over 0..255: the zero point sits near the middle, not at 0 or 128 by construction.
        var zp = Assert.Single(TensorData.Read<byte>(u8.Initializer.Single(t => t.Name == "W_mm_zero_point"), null));
        Assert.InRange(zp, 100, 155);
    }

    [Fact]
    public void Weights_held_in_Constant_nodes_are_quantized_and_the_float_Constant_is_dropped()
    {
        using var temp = new TempFolder();
        var model = MatMulModels.Write(temp.Sub("in"), ["mm"], weightsInConstantNodes: true);
        var quantized = PassRunner.Run(Pass, model, new OnnxDynamicQuantizationOptions(), temp.Sub("out"));

        var graph = OnnxModel.Load(quantized).MainGraph;
        Assert.DoesNotContain(graph.Nodes, n => n.OpType is "Constant" or "MatMul");
        Assert.Contains(graph.Proto.Initializer, t => t.Name == "W_mm_quantized");
        Assert.Equal(1, OrtGraph.OptimizedOps(quantized).GetValueOrDefault("com.microsoft.DynamicQuantizeMatMul"));
    }

    [Fact]
    public void Nodes_to_exclude_keeps_that_MatMul_in_float_and_its_weight_untouched()
    {
        using var temp = new TempFolder();
        var model = MatMulModels.Write(temp.Sub("in"), ["mm_a", "mm_b"]);
        var quantized = PassRunner.Run(Pass, model, new OnnxDynamicQuantizationOptions { NodesToExclude = ["mm_b"] }, temp.Sub("out"));

        var graph = OnnxModel.Load(quantized).MainGraph;
        Assert.Equal("mm_b", Assert.Single(graph.Nodes, n => n.OpType == "MatMul").Name);
        Assert.Contains(graph.Proto.Initializer, t => t.Name == "W_mm_b" && t.DataType == (int)OnnxDataType.Float);
        Assert.DoesNotContain(graph.Proto.Initializer, t => t.Name == "W_mm_a");

        var ops = OrtGraph.OptimizedOps(quantized);
        Assert.Equal(1, ops.GetValueOrDefault("com.microsoft.DynamicQuantizeMatMul"));
        Assert.Equal(1, ops.GetValueOrDefault("MatMul"));

        // The excluded MatMul computes exactly what it did.
        var x = ModelRunner.SeededFloats(MatMulModels.Rows * MatMulModels.K, 3);
        Assert.Equal(RunMatMul(model, x)["y_mm_b"], RunMatMul(quantized, x)["y_mm_b"]);
    }

    [Fact]
    public void Nodes_to_quantize_limits_quantization_to_the_listed_MatMuls()
    {
        using var temp = new TempFolder();
        var model = MatMulModels.Write(temp.Sub("in"), ["mm_a", "mm_b"]);
        var quantized = PassRunner.Run(Pass, model, new OnnxDynamicQuantizationOptions { NodesToQuantize = ["mm_b"] }, temp.Sub("out"));
        Assert.Equal("mm_a", Assert.Single(OnnxModel.Load(quantized).MainGraph.Nodes, n => n.OpType == "MatMul").Name);
    }

    [Fact]
    public void A_MatMul_whose_B_is_not_constant_is_skipped_with_matmul_const_b_only_and_quantized_without()
    {
        using var temp = new TempFolder();
        var model = MatMulModels.WriteActivationMatMul(temp.Sub("in"));

        var ex = Assert.Throws<PassFailedException>(() =>
            PassRunner.Run(Pass, model, new OnnxDynamicQuantizationOptions(), temp.Sub("const-only")));
        Assert.Contains("nothing was quantized", ex.Message, StringComparison.Ordinal);
        Assert.Contains("B is not a constant (matmul_const_b_only) (mm_act)", ex.Message, StringComparison.Ordinal);

        var quantized = PassRunner.Run(Pass, model, new OnnxDynamicQuantizationOptions { MatmulConstBOnly = false }, temp.Sub("both"));
        var ops = OnnxModel.Load(quantized).MainGraph.Nodes.Select(n => n.OpType).ToList();
        Assert.Equal(2, ops.Count(o => o == "DynamicQuantizeLinear"));
        Assert.Contains("MatMulInteger", ops);
        Assert.DoesNotContain("MatMul", ops);
    }

    [Fact]
    public void Enable_subgraph_quantizes_MatMuls_inside_If_branches_including_weights_from_the_outer_scope()
    {
        using var temp = new TempFolder();
        var model = MatMulModels.WriteIf(temp.Sub("in"));

        var ex = Assert.Throws<PassFailedException>(() => PassRunner.Run(Pass, model, new OnnxDynamicQuantizationOptions(), temp.Sub("off")));
        Assert.Contains("nothing was quantized", ex.Message, StringComparison.Ordinal);

        // uint8 weights: exact integer products on every x86 CPU (see the bound test), so the derived bound applies.
        var quantized = PassRunner.Run(Pass, model, new OnnxDynamicQuantizationOptions { EnableSubgraph = true, WeightType = "QUInt8" }, temp.Sub("on"));
        var loaded = OnnxModel.Load(quantized);
        Assert.DoesNotContain(loaded.AllGraphs().SelectMany(g => g.Nodes), n => n.OpType == "MatMul");
        Assert.Contains(loaded.MainGraph.Proto.Initializer, t => t.Name == "W_outer_quantized");
        Assert.DoesNotContain(loaded.MainGraph.Proto.Initializer, t => t.Name == "W_outer");

        // Both branches run and stay within the per-tensor bound of the single-MatMul test.
        var x = ModelRunner.SeededFloats(MatMulModels.Rows * MatMulModels.K, 9);
        foreach (var (branch, seed) in new[] { (true, 100), (false, 101) })
        {
            var w = MatMulModels.Weights(seed);
            var sx = (Math.Max(x.Max(), 0) - Math.Min(x.Min(), 0)) / 255.0;
            var sw = (Math.Max(w.Max(), 0) - Math.Min(w.Min(), 0)) / 255.0;
            var (maxX, maxW) = (x.Max(Math.Abs), w.Max(Math.Abs));
            var bound = (MatMulModels.K * ((maxX * sw / 2) + (sx / 2 * maxW) + (sx * sw / 4))) + (1e-5 * MatMulModels.K * maxX * maxW);
            var diff = ModelRunner.MaxAbsDiff(RunIf(model, x, branch), RunIf(quantized, x, branch));
            Assert.True(diff <= bound, $"branch {branch}: max |Δ| {diff} > bound {bound}");
        }
    }

    [Fact]
    public void An_opset_9_model_with_Upsample_fails_naming_the_op_instead_of_silently_changing_its_meaning()
    {
        using var temp = new TempFolder();
        var path = MatMulModels.Write(temp.Sub("in"), ["mm"]);
        var model = OnnxModel.Load(path);
        model.Proto.OpsetImport[0].Version = 9;
        var upsample = new Onnx.Protos.NodeProto { OpType = "Upsample", Name = "up" };
        upsample.Input.AddRange(["y_mm", "scales"]);
        upsample.Output.Add("y_up");
        model.Proto.Graph.Node.Add(upsample);
        model.Save(path);

        var ex = Assert.Throws<PassFailedException>(() => PassRunner.Run(Pass, path, new OnnxDynamicQuantizationOptions(), temp.Sub("out")));
        Assert.Contains("opset 9 and it holds Upsample", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Re-export the model with opset 11 or later", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gemm_is_left_in_float_by_default_as_ONNX_Runtime_dynamic_mode_does_and_quantized_when_listed()
    {
        using var temp = new TempFolder();
        var source = MatMulModels.WriteGemm(temp.Sub("in"));
        var ex = Assert.Throws<PassFailedException>(() => PassRunner.Run(Pass, source, new OnnxDynamicQuantizationOptions(), temp.Sub("default")));
        Assert.Contains("nothing was quantized", ex.Message, StringComparison.Ordinal);

        var log = new StringWriter();
        var quantized = PassRunner.Run(Pass, source, new OnnxDynamicQuantizationOptions { OpTypesToQuantize = ["MatMul", "Gemm"] }, temp.Sub("listed"), log);
        Assert.Contains("quantized per op type: 1 Gemm.", log.ToString(), StringComparison.Ordinal);
        var nodes = OnnxModel.Load(quantized).MainGraph.Nodes;
        Assert.DoesNotContain(nodes, n => n.OpType == "Gemm");
        Assert.Single(nodes, n => n.OpType == "MatMulInteger");
    }

    [Fact]
    public void Same_input_and_options_give_byte_identical_files_with_large_weights_in_external_data()
    {
        using var temp = new TempFolder();
        var model = MatMulModels.Write(temp.Sub("in"), ["mm_a", "mm_b"]);
        var options = new OnnxDynamicQuantizationOptions { PerChannel = true };
        var first = PassRunner.Run(Pass, model, options, temp.Sub("a"));
        var second = PassRunner.Run(Pass, model, options, temp.Sub("b"));
        PassRunner.AssertSameFiles(Path.GetDirectoryName(first)!, Path.GetDirectoryName(second)!);

        // The int8 weights are K·N = 2048 bytes each, above the 1 KiB threshold; scales (128 bytes) stay inline.
        var loaded = OnnxModel.Load(first).MainGraph.Proto;
        Assert.True(TensorData.IsExternal(loaded.Initializer.Single(t => t.Name == "W_mm_a_quantized")));
        Assert.False(TensorData.IsExternal(loaded.Initializer.Single(t => t.Name == "W_mm_a_scale")));
    }

    [Fact]
    public void Bad_options_are_reported_by_key_with_what_to_do()
    {
        var errors = Pass.Validate(
            new OnnxDynamicQuantizationOptions
            {
                WeightType = "int4",
                ActivationSymmetric = true,
                OpTypesToQuantize = ["matmul", "Softmax"],
                NodesToQuantize = ["a"],
                NodesToExclude = ["a"],
            },
            Target.Cpu);
        Assert.Contains(errors, e => e.StartsWith("weight_type: 'int4' is not one of QInt8, QUInt8", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("activation_symmetric:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("op_types_to_quantize: 'matmul'", StringComparison.Ordinal) && e.Contains("did you mean MatMul?", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("op_types_to_quantize: 'Softmax'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("nodes_to_exclude: 'a' is also in nodes_to_quantize", StringComparison.Ordinal));
        Assert.Empty(Pass.Validate(new OnnxDynamicQuantizationOptions { WeightType = "uint8" }, Target.Cpu));
        Assert.Equal(["int8"], Pass.Metadata.Precisions);
        Assert.True(Pass.Metadata.TargetAgnostic);
    }

    private static float[] RunIf(string path, float[] x, bool condition)
    {
        using var value = OrtValue.CreateTensor<float>(x.ToArray(), [MatMulModels.Rows, MatMulModels.K]);
        using var cond = OrtValue.CreateTensor<bool>(new[] { condition }, []);
        return ModelRunner.Run(path, ("x", value), ("cond", cond))["y"];
    }

    private static Dictionary<string, float[]> RunMatMul(string path, float[] x)
    {
        using var value = OrtValue.CreateTensor<float>(x.ToArray(), [MatMulModels.Rows, MatMulModels.K]);
        return ModelRunner.Run(path, ("x", value));
    }
}
