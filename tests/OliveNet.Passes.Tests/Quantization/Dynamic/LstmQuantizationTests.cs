using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Dynamic;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.Dynamic;

/// <summary>A hand-built bidirectional LSTM with seeded weights, float vs DynamicQuantizeLSTM.</summary>
public sealed class LstmQuantizationTests(ITestOutputHelper output)
{
    private const int Steps = 6;
    private const int InputSize = 32;
    private const int Hidden = 16;

    /// <summary>
    /// reduce_range weights (±64 levels for |w| ≤ 0.75: step 0.012, rounding noise ≤ 0.006 per weight, about 1 % of a
    /// weight's size) and uint8 inputs/hidden states (range ~2, step ~0.008): each gate pre-activation (48 terms) moves by
    /// about 1 % of its size; six steps through gates of slope ≤ 1 keep Y within a few percent, cosine ≥ 0.995. A
    /// transposed or mis-scaled weight gives unrelated outputs (cosine far below).
    /// </summary>
    /// <remarks>
    /// reduce_range because this CPU (AVX2 without VNNI) runs u8×s8 products with VPMADDUBSW, whose 16-bit pair sums
    /// saturate above 32767: full-range int8 weights (255·127·2 = 64770) lose up to ~5 % cosine here even when the weights
    /// are exactly representable (measured), ±64 weights cannot (255·64·2 = 32640). ONNX Runtime documents the same.
    /// </remarks>
    private const double CosineFloor = 0.995;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bidirectional_LSTM_becomes_DynamicQuantizeLSTM_with_transposed_int8_weights_and_close_outputs(bool perChannel)
    {
        using var temp = new TempFolder();
        var model = Write(temp.Sub("in"));
        var log = new StringWriter();
        var quantized = PassRunner.Run(new OnnxDynamicQuantizationPass(), model, new OnnxDynamicQuantizationOptions { PerChannel = perChannel, ReduceRange = true }, temp.Sub("out"), log);
        output.WriteLine(log.ToString().Trim());

        var graph = OnnxModel.Load(quantized).MainGraph.Proto;
        var node = Assert.Single(graph.Node);
        Assert.Equal(("com.microsoft", "DynamicQuantizeLSTM", 12), (node.Domain, node.OpType, node.Input.Count));
        var w = graph.Initializer.Single(t => t.Name == node.Input[1]);
        Assert.Equal((int)OnnxDataType.Int8, w.DataType);
        Assert.Equal([2, InputSize, 4 * Hidden], w.Dims.ToArray());
        Assert.Equal(perChannel ? new long[] { 2, 4 * Hidden } : [2], graph.Initializer.Single(t => t.Name == node.Input[8]).Dims.ToArray());
        Assert.Equal(1, OrtGraph.OptimizedOps(quantized).GetValueOrDefault("com.microsoft.DynamicQuantizeLSTM"));

        using var x = OrtValue.CreateTensor<float>(ModelRunner.SeededFloats(Steps * InputSize, 4), [Steps, 1, InputSize]);
        var expected = ModelRunner.Run(model, ("x", x));
        var actual = ModelRunner.Run(quantized, ("x", x));
        foreach (var name in new[] { "y", "y_h", "y_c" })
        {
            var cosine = Similarity.Cosine(expected[name], actual[name]);
            output.WriteLine($"per_channel {perChannel}: {name} cosine {cosine:F6}, max |Δ| {ModelRunner.MaxAbsDiff(expected[name], actual[name]):E2}");
            Assert.True(cosine >= CosineFloor && cosine < 1, $"{name}: cosine {cosine:F6}");
        }
    }

    /// <summary>x [Steps, 1, InputSize] → bidirectional LSTM (gate rows scaled differently, as trained LSTMs have) → y, y_h, y_c.</summary>
    private static string Write(string folder)
    {
        var g = new GraphProto { Name = "lstm" };
        g.Input.Add(MatMulModels.Value("x", [Steps, 1, InputSize]));
        float[] Seeded(int count, int seed) => ModelRunner.SeededFloats(count, seed).Select((v, i) => v * (0.25f + (0.25f * ((i / 7) % 3)))).ToArray();
        g.Initializer.Add(TensorData.Create<float>("W", Seeded(2 * 4 * Hidden * InputSize, 1), [2, 4 * Hidden, InputSize]));
        g.Initializer.Add(TensorData.Create<float>("R", Seeded(2 * 4 * Hidden * Hidden, 2), [2, 4 * Hidden, Hidden]));
        g.Initializer.Add(TensorData.Create<float>("B", Seeded(2 * 8 * Hidden, 3), [2, 8 * Hidden]));
        var lstm = MatMulModels.Node("LSTM", "lstm", ["x", "W", "R", "B"], ["y", "y_h", "y_c"]);
        lstm.Attribute.Add(new AttributeProto { Name = "hidden_size", Type = AttributeProto.Types.AttributeType.Int, I = Hidden });
        lstm.Attribute.Add(new AttributeProto { Name = "direction", Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("bidirectional") });
        g.Node.Add(lstm);
        g.Output.Add(MatMulModels.Value("y", [Steps, 2, 1, Hidden]));
        g.Output.Add(MatMulModels.Value("y_h", [2, 1, Hidden]));
        g.Output.Add(MatMulModels.Value("y_c", [2, 1, Hidden]));
        return MatMulModels.Save(folder, g);
    }
}
