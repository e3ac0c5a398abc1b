namespace OliveNet.Onnx.Tests.Model;

public class OnnxModelLoadTests
{
    [Fact]
    public void A_missing_file_is_reported_with_its_path()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("absent.onnx");
        var ex = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Equal(path, ex.Path);
    }

    [Fact]
    public void A_text_file_is_not_an_onnx_model()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("notes.onnx");
        File.WriteAllText(path, "This is not a model, just some notes.\nline two\n");
        var ex = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains("is not an ONNX model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_bytes_are_not_an_onnx_model()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("noise.onnx");
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        bytes[0] = 0xFF;
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains("is not an ONNX model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_is_not_an_onnx_model()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("empty.onnx");
        File.WriteAllBytes(path, []);
        var ex = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains("is not an ONNX model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_real_model_cut_in_half_is_truncated_or_corrupt()
    {
        using var tmp = new TempFolder();
        var bytes = File.ReadAllBytes(TestData.OcrCls);
        var path = tmp.File("half.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var ex = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains("truncated or corrupt", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_without_a_graph_is_refused()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("nograph.onnx");
        var proto = new Protos.ModelProto { IrVersion = 8 };
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(proto));
        var ex = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains("no graph", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loading_records_source_base_directory_and_opsets()
    {
        var model = OnnxModel.Load(TestData.OcrCls);
        Assert.Equal(Path.GetFullPath(TestData.OcrCls), model.SourcePath);
        Assert.Equal(Path.GetDirectoryName(Path.GetFullPath(TestData.OcrCls)), model.BaseDirectory);
        Assert.True(model.OpsetImports[""] > 0);
    }
}
