namespace OliveNet.Onnx.Tests.Model;

public class OnnxModelExternalSaveTests
{
    public static TheoryData<string> Models => new() { "det", "silero" };

    [Theory]
    [MemberData(nameof(Models))]
    public void All_external_keeps_every_weight_value_and_small_tensors_inline(string which)
    {
        var source = which == "det" ? TestData.OcrDet : TestData.SileroVad;
        var model = OnnxModel.Load(source);
        using var dst = new TempFolder();
        var options = new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal, SizeThreshold = 1024 };
        model.Save(dst.File("m.onnx"), options);
        var firstModel = File.ReadAllBytes(dst.File("m.onnx"));
        var firstData = File.ReadAllBytes(dst.File("m.onnx.data"));
        model.Save(dst.File("m.onnx"), options);
        Assert.Equal(firstModel, File.ReadAllBytes(dst.File("m.onnx")));
        Assert.Equal(firstData, File.ReadAllBytes(dst.File("m.onnx.data")));

        var reloaded = OnnxModel.Load(dst.File("m.onnx"));
        var before = model.Weights().ToList();
        var after = reloaded.Weights().ToList();
        Assert.Equal(before.Select(w => w.Name), after.Select(w => w.Name));
        var moved = 0;
        for (var i = 0; i < before.Count; i++)
        {
            if (before[i].Tensor.DataType == (int)OnnxDataType.String)
            {
                continue;
            }

            var size = TensorData.ByteSize(before[i].Tensor);
            Assert.Equal(size >= 1024, TensorData.IsExternal(after[i].Tensor));
            moved += size >= 1024 ? 1 : 0;
            Assert.Equal(
                TensorData.ReadRawBytes(before[i].Tensor, model.BaseDirectory),
                TensorData.ReadRawBytes(after[i].Tensor, reloaded.BaseDirectory));
        }

        Assert.True(moved > 0);
        Assert.True(new FileInfo(dst.File("m.onnx")).Length < new FileInfo(source).Length / 2);
    }

    [Fact]
    public void Past_the_inline_limit_the_largest_tensors_are_forced_external()
    {
        var model = OnnxModel.Load(TestData.OcrCls);
        using var dst = new TempFolder();
        var limit = 200_000L;
        model.Save(dst.File("m.onnx"), new OnnxSaveOptions { InlineLimit = limit });
        var reloaded = OnnxModel.Load(dst.File("m.onnx"));
        var weights = reloaded.Weights().ToList();
        var external = weights.Where(w => TensorData.IsExternal(w.Tensor)).ToList();
        Assert.NotEmpty(external);
        var smallestExternal = external.Min(w => TensorData.ByteSize(w.Tensor));
        Assert.All(weights.Where(w => !TensorData.IsExternal(w.Tensor)), w => Assert.True(TensorData.ByteSize(w.Tensor) <= smallestExternal));
        Assert.True(weights.Where(w => !TensorData.IsExternal(w.Tensor)).Sum(w => w.Tensor.CalculateSize()) <= limit);
        Assert.Equal(
            model.Weights().Select(w => TensorData.ReadRawBytes(w.Tensor, model.BaseDirectory)),
            weights.Select(w => TensorData.ReadRawBytes(w.Tensor, reloaded.BaseDirectory)));
    }

    [Fact]
    public void All_inline_refuses_a_model_past_the_inline_limit()
    {
        var model = OnnxModel.Load(TestData.OcrCls);
        using var dst = new TempFolder();
        var ex = Assert.Throws<OnnxFormatException>(() => model.Save(
            dst.File("m.onnx"), new OnnxSaveOptions { ExternalData = ExternalDataMode.AllInline, InlineLimit = 1000 }));
        Assert.Contains("2 GB", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dst.Path));
    }
}
