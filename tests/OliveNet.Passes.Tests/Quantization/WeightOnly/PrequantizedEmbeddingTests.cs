using OliveNet.Onnx;
using OliveNet.Passes.Export;
using OliveNet.Passes.Graph;
using OliveNet.Passes.Graph.Surgeries;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Export;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly;

/// <summary>
/// An embedding Rtn already quantized (Olive's CPU recipes: <c>embeds: true</c>, 8 or 4 bits) is packed by ModelBuilder
/// as GatherBlockQuantized with the checkpoint's own blocks, not widened back to a float table: the logits equal those
/// of the same export with a float Gather of the dequantized table (the same numbers; measured: identical), and for a tied model the table holds the head's bytes, so TieWordEmbeddings keeps one copy.
/// </summary>
public sealed class PrequantizedEmbeddingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData(8, false)]
    [InlineData(8, true)]
    [InlineData(4, false)]
    [InlineData(4, true)]
    public void A_quantized_embedding_becomes_gather_block_quantized_with_exactly_the_same_logits(int bits, bool sym)
    {
        using var temp = new TempFolder();
        var rtn = WeightOnlyFixtures.Rtn(HfFixtures.Checkpoint("qwen3"), temp.Sub("rtn"), new RtnOptions { Bits = bits, GroupSize = 32, Sym = sym, Embeds = true, LmHead = true });
        var packed = temp.Sub("packed");
        ModelBuilderPass.Export(rtn, packed, new ExportSettings("int4", 32, true, 4, false, false), TextWriter.Null, default);
        var widened = WeightOnlyFixtures.Export(rtn, temp.Sub("float-gather"));

        var graph = OnnxModel.Load(Path.Combine(packed, "model.onnx")).MainGraph;
        var gbq = Assert.Single(graph.Nodes, n => n.OpType == "GatherBlockQuantized");
        Assert.Equal(bits, gbq.Attribute.Single(a => a.Name == "bits").I);
        Assert.DoesNotContain(graph.Nodes, n => n.OpType == "Gather" && n.Name.Contains("embed_tokens", StringComparison.Ordinal));

        var (ids, _, _) = HfFixtures.Reference("qwen3");
        float[] expected, actual;
        using (var session = new DecoderSession(widened))
        {
            expected = session.Step(ids);
        }

        using (var session = new DecoderSession(packed))
        {
            actual = session.Step(ids);
        }

        var scale = expected.Max(Math.Abs);
        var error = ModelRunner.MaxAbsDiff(expected, actual);
        output.WriteLine($"{bits}-bit sym={sym}: max |Δlogit| {error:G3} at scale {scale:G4}; files {Bytes(packed) / 1024} KiB vs {Bytes(widened) / 1024} KiB");
        Assert.True(error <= 1e-5 * scale, $"max |Δlogit| {error:G4} > 1e-5 × {scale:G4}");
    }

    [Fact]
    public void The_tied_table_and_head_hold_the_same_bytes_so_tie_word_embeddings_keeps_one_copy()
    {
        using var temp = new TempFolder();
        var rtn = WeightOnlyFixtures.Rtn(HfFixtures.Checkpoint("qwen3"), temp.Sub("rtn"), new RtnOptions { Bits = 8, GroupSize = 32, Embeds = true, LmHead = true });
        var packed = temp.Sub("packed");
        ModelBuilderPass.Export(rtn, packed, new ExportSettings("int4", 32, true, 4, false, false), TextWriter.Null, default);
        var log = new StringWriter();
        var tied = PassRunner.Run(new GraphSurgeriesPass(), Path.Combine(packed, "model.onnx"),
            new GraphSurgeriesOptions { Surgeries = [new System.Text.Json.Nodes.JsonObject { ["surgeon"] = "TieWordEmbeddings" }] }, temp.Sub("tied"), log);
        output.WriteLine(log.ToString());
        var model = OnnxModel.Load(Path.Combine(packed, "model.onnx"));
        var head = model.MainGraph.Nodes.Single(n => n.Name == "/model/lm_head/MatMulNBits");
        var table = model.MainGraph.Proto.Initializer.Single(t => t.Name == head.Input[1]);
        var tiedGraph = OnnxModel.Load(tied).MainGraph;
        Assert.DoesNotContain(tiedGraph.Proto.Initializer, t => t.Name == table.Name);
        Assert.Contains(tiedGraph.Proto.Initializer, t => t.Name == "model.embed_tokens.weight.GatherBlockQuantized.qweight");
        Assert.True(Bytes(Path.GetDirectoryName(tied)!) <= Bytes(packed) - TensorData.ByteSize(table) + 2048,
            $"tied {Bytes(Path.GetDirectoryName(tied)!)} B vs {Bytes(packed)} B with a {TensorData.ByteSize(table)} B table");
    }

    private static long Bytes(string folder) => Directory.GetFiles(folder, "model.onnx*").Sum(f => new FileInfo(f).Length);
}
