using System.Text.Json.Nodes;
using OliveNet.Onnx;
using OliveNet.Passes.Graph.Surgeries;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Graph.Surgeries;

/// <summary>TieWordEmbeddings, QuantizeEmbeddingInt8 and ShareEmbeddingLmHead on ModelBuilder exports of the tied Qwen3 fixture.</summary>
public sealed class TieWordEmbeddingsTests(ITestOutputHelper output)
{
    private static GraphSurgeriesOptions Surgeries(params string[] names) =>
        new() { Surgeries = names.Select(n => new JsonObject { ["surgeon"] = n }).ToArray() };

    [Fact]
    public void A_float_export_shares_its_embedding_table_with_the_head_and_gives_the_same_logits()
    {
        using var temp = new TempFolder();
        var source = SurgeryModels.Qwen3(temp.Sub("fp32"), "fp32");
        var tied = PassRunner.Run(new GraphSurgeriesPass(), source, Surgeries("TieWordEmbeddings"), temp.Sub("tied"));

        var model = OnnxModel.Load(tied);
        var gemm = Assert.Single(model.MainGraph.Nodes, n => n.OpType == "Gemm");
        Assert.Equal("model.embed_tokens.weight", gemm.Input[1]);
        Assert.Equal(1, gemm.Attribute.Single(a => a.Name == "transB").I);
        Assert.DoesNotContain(model.MainGraph.Nodes, n => n.OpType == "MatMul" && n.Output[0] == "logits");
        var saved = SurgeryModels.FolderBytes(source) - SurgeryModels.FolderBytes(tied);
        output.WriteLine($"folder {SurgeryModels.FolderBytes(source):N0} → {SurgeryModels.FolderBytes(tied):N0} bytes");
        var sourceGraph = OnnxModel.Load(source).MainGraph;
        var copy = sourceGraph.Proto.Initializer.Single(t => t.Name == sourceGraph.Producer("logits")!.Input[1]);
        Assert.DoesNotContain(model.MainGraph.Proto.Initializer, t => t.Name == copy.Name);
        Assert.True(saved >= TensorData.ByteSize(copy) - 2048, $"the head's copy ({TensorData.ByteSize(copy):N0} bytes) should be gone ({saved:N0} bytes saved; the new Reshape/Gemm nodes and their shape constants take a few hundred)");
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(tied)!, "genai_config.json")), "genai_config.json should be carried over");

        // Gemm(transB) computes the same dot products as MatMul on the transposed copy; only summation order may differ.
        var expected = SurgeryModels.Logits(source);
        var actual = SurgeryModels.Logits(tied);
        Assert.True(SurgeryModels.RelativeMaxDiff(expected, actual) <= 1e-5, $"logits moved by {SurgeryModels.RelativeMaxDiff(expected, actual):E2} of their range");
    }

    [Fact]
    public void An_int4_export_gets_an_int8_embedding_that_the_head_shares_within_the_int8_rounding_bound()
    {
        using var temp = new TempFolder();
        var source = SurgeryModels.Qwen3(temp.Sub("int4"), "int4");
        var shared = PassRunner.Run(new GraphSurgeriesPass(), source, Surgeries("QuantizeEmbeddingInt8", "ShareEmbeddingLmHead"), temp.Sub("shared"));

        var model = OnnxModel.Load(shared);
        var graph = model.MainGraph;
        var gbq = Assert.Single(graph.Nodes, n => n.OpType == "GatherBlockQuantized");
        Assert.Equal(8, gbq.Attribute.Single(a => a.Name == "bits").I);
        var head = graph.Producer("logits")!;
        Assert.Equal("MatMulNBits", head.OpType);
        Assert.Equal(8, head.Attribute.Single(a => a.Name == "bits").I);
        Assert.Equal(gbq.Input[0], graph.Producer(head.Input[1])!.Input[0]);
        Assert.Equal(gbq.Input[2], head.Input[2]);
        Assert.True(SurgeryModels.FolderBytes(shared) < SurgeryModels.FolderBytes(source), "one int8 table should be smaller than a float table plus an int4 head");

        // Every dequantized embedding value is within half a step (absmax/254 of its block of 32) of the float value.
        var original = TensorData.Read<float>(OnnxModel.Load(source).MainGraph.Proto.Initializer.Single(t => t.Name == "model.embed_tokens.weight"), Path.GetDirectoryName(source));
        var codes = TensorData.ReadRawBytes(graph.Proto.Initializer.Single(t => t.Name == gbq.Input[0]), model.BaseDirectory);
        var scales = TensorData.Read<float>(graph.Proto.Initializer.Single(t => t.Name == gbq.Input[2]), model.BaseDirectory);
        for (var i = 0; i < original.Length; i++)
        {
            var scale = scales[i / 32];
            Assert.True(Math.Abs(((codes[i] - 128) * scale) - original[i]) <= (scale * 0.5001) + 1e-7, $"element {i}");
        }

        var expected = SurgeryModels.Logits(source);
        var actual = SurgeryModels.Logits(shared);
        var correlation = Correlation(expected, actual);
        output.WriteLine($"logits correlation int4 head vs shared int8 head: {correlation:F5}");
        Assert.True(correlation >= 0.99, $"logits correlation {correlation:F5}");
    }

    [Fact]
    public void A_block_quantized_embedding_with_the_heads_data_is_tied_and_the_logits_stay_the_same()
    {
        using var temp = new TempFolder();
        var source = SurgeryModels.Qwen3(temp.Sub("int4"), "int4");

        // Make the embedding a 4-bit GatherBlockQuantized over the head's own packed data and scales (what a builder that
        // quantizes a tied table once writes), so both read equal tensors.
        var model = OnnxModel.Load(source);
        var graph = model.MainGraph;
        var g = graph.Proto;
        var head = graph.Producer("logits")!;
        var weight = g.Initializer.Single(t => t.Name == head.Input[1]);
        var scales = g.Initializer.Single(t => t.Name == head.Input[2]);
        var (vocab, hidden) = (weight.Dims[0], weight.Dims[1] * weight.Dims[2] * 2);
        var data = TensorData.Create<byte>("embed_q4", TensorData.ReadRawBytes(weight, model.BaseDirectory), [vocab, hidden / 2]);
        var blockScales = TensorData.Create<float>("embed_scales", TensorData.Read<float>(scales, model.BaseDirectory), [vocab, hidden / 32]);
        g.Initializer.Add(data);
        g.Initializer.Add(blockScales);
        var gather = graph.Nodes.Single(n => n.OpType == "Gather" && n.Name.Contains("embed_tokens", StringComparison.Ordinal));
        var gbq = new Onnx.Protos.NodeProto { OpType = "GatherBlockQuantized", Domain = "com.microsoft", Name = "/model/embed_tokens/GatherBlockQuantized" };
        gbq.Input.Add("embed_q4");
        gbq.Input.Add(gather.Input[1]);
        gbq.Input.Add("embed_scales");
        gbq.Output.Add(gather.Output[0]);
        gbq.Attribute.Add(new Onnx.Protos.AttributeProto { Name = "bits", Type = Onnx.Protos.AttributeProto.Types.AttributeType.Int, I = 4 });
        gbq.Attribute.Add(new Onnx.Protos.AttributeProto { Name = "block_size", Type = Onnx.Protos.AttributeProto.Types.AttributeType.Int, I = 32 });
        gbq.Attribute.Add(new Onnx.Protos.AttributeProto { Name = "quantize_axis", Type = Onnx.Protos.AttributeProto.Types.AttributeType.Int, I = 1 });
        g.Node[g.Node.IndexOf(gather)] = gbq;
        g.Initializer.Remove(g.Initializer.Single(t => t.Name == gather.Input[0]));
        var quantizedFolder = temp.Sub("gbq");
        model.Save(Path.Combine(quantizedFolder, "model.onnx"), new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal });
        File.Copy(Path.Combine(Path.GetDirectoryName(source)!, "genai_config.json"), Path.Combine(quantizedFolder, "genai_config.json"));
        var quantized = Path.Combine(quantizedFolder, "model.onnx");

        var tied = PassRunner.Run(new GraphSurgeriesPass(), quantized, Surgeries("TieWordEmbeddings"), temp.Sub("tied"));
        var tiedGraph = OnnxModel.Load(tied).MainGraph;
        var tiedHead = tiedGraph.Producer("logits")!;
        Assert.Equal("embed_q4", tiedGraph.Producer(tiedHead.Input[1])!.Input[0]);
        Assert.Equal("embed_scales", tiedHead.Input[2]);
        Assert.DoesNotContain(tiedGraph.Proto.Initializer, t => t.Name == weight.Name);
        Assert.True(SurgeryModels.FolderBytes(tied) < SurgeryModels.FolderBytes(quantized) - TensorData.ByteSize(weight) + 2048);

        // The head computes with the same bytes as before: the logits are the same.
        Assert.Equal(SurgeryModels.ExactLogits(quantized), SurgeryModels.ExactLogits(tied));
    }

    [Fact]
    public void An_untied_model_keeps_its_own_head()
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("int4");
        OliveNet.Passes.Export.ModelBuilderPass.Export(Tests.Export.HfFixtures.Checkpoint("mistral"), folder, new OliveNet.Passes.Export.ExportSettings("int4", 32, true, 0, false, false) { QuantizeGather = false }, TextWriter.Null, default);
        var source = Path.Combine(folder, "model.onnx");
        var log = new StringWriter();
        var result = PassRunner.Run(new GraphSurgeriesPass(), source, Surgeries("TieWordEmbeddings", "QuantizeEmbeddingInt8", "ShareEmbeddingLmHead"), temp.Sub("out"), log);
        output.WriteLine(log.ToString());

        var head = OnnxModel.Load(result).MainGraph.Producer("logits")!;
        Assert.Equal(4, head.Attribute.Single(a => a.Name == "bits").I);
        Assert.Contains("not the embedding's", log.ToString(), StringComparison.Ordinal);
    }

    private static double Correlation(float[] a, float[] b)
    {
        var (ma, mb) = (a.Average(), b.Average());
        double ab = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            ab += (a[i] - ma) * (b[i] - mb);
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i] - mb) * (b[i] - mb);
        }

        return ab / Math.Sqrt(aa * bb);
    }
}
