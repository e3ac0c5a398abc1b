using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.QdqConversion;
using OliveNet.Passes.Tests.Graph.Surgeries;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.QdqConversion;

/// <summary>MatMulNBitsToQDQ on int4 ModelBuilder exports: the same integers, scales and zero points, so the same logits.</summary>
public sealed class MatMulNBitsToQdqPassTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(true, false, false)]
    [InlineData(false, false, false)]
    [InlineData(true, true, false)]
    [InlineData(false, true, true)]
    public void Every_MatMulNBits_becomes_DequantizeLinear_and_MatMul_with_the_same_logits(bool symmetric, bool signed, bool transposeOp)
    {
        using var temp = new TempFolder();
        var source = SurgeryModels.Qwen3(temp.Sub("int4"), "int4", symmetric);
        var nbits = SurgeryModels.Count(source, "MatMulNBits");
        Assert.True(nbits > 0);
        var options = new MatMulNBitsToQdqOptions { UseSignedInt = signed, UseTransposeOp = transposeOp };
        var converted = PassRunner.Run(new MatMulNBitsToQdqPass(), source, options, temp.Sub("qdq"));

        Assert.Equal(0, SurgeryModels.Count(converted, "MatMulNBits"));
        Assert.Equal(nbits, SurgeryModels.Count(converted, "DequantizeLinear"));
        Assert.Equal(transposeOp ? nbits : 0, SurgeryModels.Count(converted, "Transpose") - SurgeryModels.Count(source, "Transpose"));
        var graph = OnnxModel.Load(converted).MainGraph;
        var dq = graph.Nodes.First(n => n.OpType == "DequantizeLinear");
        var weight = graph.Proto.Initializer.Single(t => t.Name == dq.Input[0]);
        Assert.Equal(signed ? OnnxDataType.Int4 : OnnxDataType.UInt4, (OnnxDataType)weight.DataType);
        Assert.Equal(32, dq.Attribute.Single(a => a.Name == "block_size").I);
        // Symmetric signed weights have all-zero zero points, which are left out unless add_zero_point.
        Assert.Equal(symmetric && signed ? 2 : 3, dq.Input.Count);

        var expected = SurgeryModels.ExactLogits(source);
        var actual = SurgeryModels.ExactLogits(converted);
        var diff = SurgeryModels.RelativeMaxDiff(expected, actual);
        output.WriteLine($"sym {symmetric} signed {signed} transpose {transposeOp}: max |Δlogit| / max |logit| = {diff:E2}");
        Assert.True(diff <= 1e-4, $"logits moved by {diff:E2} of their range");
    }

    [Fact]
    public void Excluded_nodes_stay_MatMulNBits()
    {
        using var temp = new TempFolder();
        var source = SurgeryModels.Qwen3(temp.Sub("int4"), "int4");
        var head = OnnxModel.Load(source).MainGraph.Producer("logits")!.Name;
        var converted = PassRunner.Run(new MatMulNBitsToQdqPass(), source, new MatMulNBitsToQdqOptions { NodesToExclude = [head] }, temp.Sub("qdq"));
        var graph = OnnxModel.Load(converted).MainGraph;
        Assert.Equal("MatMulNBits", graph.Producer("logits")!.OpType);
        Assert.Equal(1, SurgeryModels.Count(converted, "MatMulNBits"));
    }
}
