using System.Text.Json;

namespace OliveNet.Cli.Tests.Commands;

public sealed class InspectCommandTests
{
    [Fact]
    public void Inspect_counts_the_recognizer_weights_held_in_Constant_nodes()
    {
        var report = CliRunner.Json("inspect", RealModels.OcrRecognizer, "--json");

        var parameters = report.GetProperty("parameters");
        // Paddle keeps every weight in Constant nodes: the initializer list is empty.
        Assert.Equal(0, parameters.GetProperty("initializer_count").GetInt64());
        var count = parameters.GetProperty("count").GetInt64();
        Assert.Equal(count, parameters.GetProperty("constant_node_count").GetInt64());
        // reference/assets.md: 2.69 M parameters; float32 bytes are 4 per parameter of that type.
        Assert.InRange(count, 2_600_000, 2_800_000);
        var float32 = parameters.GetProperty("by_type").EnumerateArray().Single(t => t.GetProperty("type").GetString() == "float32");
        Assert.Equal(float32.GetProperty("count").GetInt64() * 4, float32.GetProperty("bytes").GetInt64());

        Assert.Equal("x", report.GetProperty("inputs")[0].GetProperty("name").GetString());
        Assert.Equal(48, report.GetProperty("inputs")[0].GetProperty("shape")[2].GetInt64());
        Assert.Equal(6625, report.GetProperty("outputs")[0].GetProperty("shape")[2].GetInt64());
        Assert.Contains(report.GetProperty("opsets").EnumerateArray(), o => o.GetProperty("domain").GetString() == "ai.onnx" && o.GetProperty("version").GetInt64() == 9);
        Assert.Equal(1, report.GetProperty("graph_count").GetInt32());
    }

    [Fact]
    public void Inspect_counts_nodes_inside_the_If_subgraphs_of_silero_v6()
    {
        var report = CliRunner.Json("inspect", RealModels.SileroV6, "--json");

        var ops = report.GetProperty("ops").EnumerateArray().ToDictionary(o => o.GetProperty("op").GetString()!, o => o.GetProperty("count").GetInt32());
        Assert.Equal(25, ops["If"]);
        // Each If has a then and an else branch: 1 main graph + 50 branch graphs.
        Assert.Equal(51, report.GetProperty("graph_count").GetInt32());
        Assert.Equal(ops.Values.Sum(), report.GetProperty("node_count").GetInt32());
        Assert.True(ops["LSTM"] >= 1);
        // The 546 K weights sit in Constants inside the branches.
        Assert.InRange(report.GetProperty("parameters").GetProperty("count").GetInt64(), 500_000, 700_000);
    }

    [Fact]
    public void Inspect_prints_a_readable_table_by_default()
    {
        var (exit, stdout, _) = CliRunner.Run("inspect", RealModels.SileroIfless);

        Assert.Equal(0, exit);
        Assert.Contains("opsets      ai.onnx 18", stdout, StringComparison.Ordinal);
        Assert.Contains("float32[2,batch,128]", stdout, StringComparison.Ordinal);
        Assert.Contains("external data  none", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_of_a_missing_file_says_so_and_exits_2()
    {
        var (exit, _, stderr) = CliRunner.Run("inspect", "/nonexistent/model.onnx");

        Assert.Equal(2, exit);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/model.onnx", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_of_a_text_file_says_it_is_not_an_onnx_model()
    {
        using var dir = new TempDir();
        var path = dir.File("notes.onnx", "these are not the weights you are looking for\n");

        var (exit, _, stderr) = CliRunner.Run("inspect", path);

        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains(path, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_of_a_truncated_model_reports_it_without_a_stack_trace()
    {
        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(RealModels.OcrClassifier);
        var path = dir.File("cut.onnx", bytes.AsSpan(0, bytes.Length / 2).ToArray());

        var (exit, _, stderr) = CliRunner.Run("inspect", path);

        Assert.Equal(2, exit);
        Assert.Contains("truncated", stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_json_is_a_single_parseable_object()
    {
        var (exit, stdout, _) = CliRunner.Run("inspect", RealModels.OcrClassifier, "--json");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        Assert.True(doc.RootElement.GetProperty("file_size_bytes").GetInt64() == new FileInfo(RealModels.OcrClassifier).Length);
    }

    [Fact]
    public void Inspect_of_a_tensor_whose_element_count_overflows_says_the_model_is_corrupt()
    {
        using var dir = new TempDir();
        var model = TinyModels.WriteWithExternalWeight(dir.Path, "weights.bin");
        var proto = OliveNet.Onnx.Protos.ModelProto.Parser.ParseFrom(File.ReadAllBytes(model));
        var weight = proto.Graph.Initializer[0];
        weight.Dims.Clear();
        weight.Dims.Add([1L << 40, 1L << 40]);
        weight.ExternalData.Single(e => e.Key == "length").Value = "16384";
        File.WriteAllBytes(model, Google.Protobuf.MessageExtensions.ToByteArray(proto));

        var (exit, _, stderr) = CliRunner.Run("inspect", model);

        Assert.Equal(2, exit);
        Assert.Contains("overflows", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }
}
