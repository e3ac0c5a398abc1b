using static OliveNet.Onnx.Tests.Model.ExternalModelBuilder;

namespace OliveNet.Onnx.Tests.Model;

public class ExternalDataTests
{
    private static readonly float[] A = Enumerable.Range(0, 1000).Select(i => i * 0.5f).ToArray();
    private static readonly long[] B = Enumerable.Range(0, 300).Select(i => (long)i * -3).ToArray();
    private static readonly Half[] C = Enumerable.Range(0, 50).Select(i => (Half)i).ToArray();

    [Fact]
    public void Data_split_across_two_files_is_read_saved_into_one_and_read_back_equal()
    {
        using var src = new TempFolder();
        var model = TwoFileModel(src.Path);
        var loaded = OnnxModel.Load(src.File("model.onnx"));
        Assert.Equal(["part1.bin", "part2.bin"], loaded.ExternalDataFiles().Select(f => f.Location));
        Assert.All(loaded.ExternalDataFiles(), f => Assert.True(f.Exists && f.FileLength >= f.BytesReferenced));
        AssertValues(loaded);

        using var dst = new TempFolder();
        loaded.Save(dst.File("out.onnx"));
        var files = loaded.ExternalDataFiles();
        Assert.Equal(2, files.Count); // the in-memory model still reads from its own files

        var reloaded = OnnxModel.Load(dst.File("out.onnx"));
        var single = Assert.Single(reloaded.ExternalDataFiles());
        Assert.Equal("out.onnx.data", single.Location);
        Assert.Equal(4000 + 2400 + 100, single.BytesReferenced);
        AssertValues(reloaded);

        var firstBytes = File.ReadAllBytes(dst.File("out.onnx.data"));
        reloaded.Save(dst.File("again.onnx"), new OnnxSaveOptions { ExternalDataFileName = "out.onnx.data" });
        Assert.Equal(firstBytes, File.ReadAllBytes(dst.File("out.onnx.data"))); // saved in place over its own source
        AssertValues(reloaded);
        AssertValues(OnnxModel.Load(dst.File("again.onnx")));
        Assert.Empty(Directory.GetFiles(dst.Path, "*.tmp"));
    }

    [Fact]
    public void Saving_twice_gives_identical_model_and_data_bytes()
    {
        using var src = new TempFolder();
        TwoFileModel(src.Path);
        var loaded = OnnxModel.Load(src.File("model.onnx"));
        using var dst = new TempFolder();
        loaded.Save(dst.File("a.onnx"), new OnnxSaveOptions { ExternalDataFileName = "w.bin" });
        var model1 = File.ReadAllBytes(dst.File("a.onnx"));
        var data1 = File.ReadAllBytes(dst.File("w.bin"));
        loaded.Save(dst.File("a.onnx"), new OnnxSaveOptions { ExternalDataFileName = "w.bin" });
        Assert.Equal(model1, File.ReadAllBytes(dst.File("a.onnx")));
        Assert.Equal(data1, File.ReadAllBytes(dst.File("w.bin")));
    }

    [Fact]
    public void All_inline_pulls_external_data_into_the_model()
    {
        using var src = new TempFolder();
        TwoFileModel(src.Path);
        var loaded = OnnxModel.Load(src.File("model.onnx"));
        using var dst = new TempFolder();
        loaded.Save(dst.File("inline.onnx"), new OnnxSaveOptions { ExternalData = ExternalDataMode.AllInline });
        Assert.Single(Directory.GetFiles(dst.Path));
        var reloaded = OnnxModel.Load(dst.File("inline.onnx"));
        Assert.Empty(reloaded.ExternalDataFiles());
        AssertValues(reloaded, external: false);
        Assert.Equal(reloaded.Proto, Protos.ModelProto.Parser.ParseFrom(loaded.ToBytes()));
    }

    [Fact]
    public void All_external_moves_only_tensors_at_or_above_the_threshold()
    {
        var shape = TensorData.Create<long>("shape", [1, -1], [2]);
        var big = TensorData.Create<float>("big", A, [A.Length]);
        var model = OnnxModel.FromProto(BuildModel(shape, big), null);
        using var dst = new TempFolder();
        model.Save(dst.File("m.onnx"), new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal, SizeThreshold = 1024 });
        var reloaded = OnnxModel.Load(dst.File("m.onnx"));
        var init = reloaded.Proto.Graph.Initializer;
        Assert.False(TensorData.IsExternal(init[0]));
        Assert.True(TensorData.IsExternal(init[1]));
        Assert.Equal(A, TensorData.Read<float>(init[1], reloaded.BaseDirectory));
        Assert.Equal(new[] { 1L, -1L }, TensorData.Read<long>(init[0], reloaded.BaseDirectory));
        Assert.False(TensorData.IsExternal(model.Proto.Graph.Initializer[1])); // the source model is untouched
    }

    [Fact]
    public void Saving_over_the_source_model_and_data_file_keeps_the_loaded_model_readable()
    {
        using var tmp = new TempFolder();
        var small = Externalize(TensorData.Create<Half>("c", C, [50]), tmp.Path, "model.onnx.data");
        var big = Externalize(TensorData.Create<float>("a", A, [1000]), tmp.Path, "model.onnx.data");
        Write(BuildModel(small, big), tmp.File("model.onnx"));
        var loaded = OnnxModel.Load(tmp.File("model.onnx"));

        loaded.Save(tmp.File("model.onnx"), new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal });

        Assert.Equal(C, TensorData.Read<Half>(loaded.Proto.Graph.Initializer[0], loaded.BaseDirectory));
        Assert.Equal(A, TensorData.Read<float>(loaded.Proto.Graph.Initializer[1], loaded.BaseDirectory));
        var reloaded = OnnxModel.Load(tmp.File("model.onnx"));
        Assert.False(TensorData.IsExternal(reloaded.Proto.Graph.Initializer[0]));
        Assert.True(TensorData.IsExternal(reloaded.Proto.Graph.Initializer[1]));
        Assert.Equal(C, TensorData.Read<Half>(reloaded.Proto.Graph.Initializer[0], reloaded.BaseDirectory));
        Assert.Equal(A, TensorData.Read<float>(reloaded.Proto.Graph.Initializer[1], reloaded.BaseDirectory));
        Assert.Equal(4000, new FileInfo(tmp.File("model.onnx.data")).Length);
    }

    [Theory]
    [InlineData("../secret.bin")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../secret.bin")]
    public void Locations_outside_the_model_folder_are_refused(string location)
    {
        using var tmp = new TempFolder();
        var t = Point(TensorData.Create<float>("leaky", [1f], [1]), location, 0, 4);
        Write(BuildModel(t), tmp.File("model.onnx"));
        var ex = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(tmp.File("model.onnx")));
        Assert.Contains("path traversal", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'leaky'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(location, ex.Message, StringComparison.Ordinal);
        var lenient = new OnnxLoadOptions { ValidateExternalData = false };
        Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(tmp.File("model.onnx"), lenient));
    }

    [Fact]
    public void A_symbolic_link_that_leaves_the_model_folder_is_refused()
    {
        using var outside = new TempFolder();
        File.WriteAllBytes(outside.File("secret.bin"), new byte[4]);
        using var tmp = new TempFolder();
        File.CreateSymbolicLink(tmp.File("link.bin"), outside.File("secret.bin"));
        var t = Point(TensorData.Create<float>("linked", [1f], [1]), "link.bin", 0, 4);
        Write(BuildModel(t), tmp.File("model.onnx"));
        var ex = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(tmp.File("model.onnx")));
        Assert.Contains("path traversal", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_data_file_names_the_tensor_the_file_and_the_fix()
    {
        using var tmp = new TempFolder();
        var t = Point(TensorData.Create<float>("weights", [1f], [1]), "gone.bin", 0, 4);
        Write(BuildModel(t), tmp.File("model.onnx"));
        var ex = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(tmp.File("model.onnx")));
        Assert.Contains("'weights'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("gone.bin", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Copy the data file", ex.Message, StringComparison.Ordinal);

        var lazy = OnnxModel.Load(tmp.File("model.onnx"), new OnnxLoadOptions { ValidateExternalData = false });
        Assert.False(Assert.Single(lazy.ExternalDataFiles()).Exists);
        Assert.Throws<OnnxFormatException>(() => TensorData.Read<float>(lazy.Proto.Graph.Initializer[0], lazy.BaseDirectory));
    }

    [Fact]
    public void A_range_past_the_end_of_the_data_file_is_refused()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("short.bin"), new byte[6]);
        var t = Point(TensorData.Create<float>("w", [1f, 2f], [2]), "short.bin", 0, 8);
        Write(BuildModel(t), tmp.File("model.onnx"));
        var ex = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(tmp.File("model.onnx")));
        Assert.Contains("only 6 bytes", ex.Message, StringComparison.Ordinal);
    }

    private static Protos.ModelProto TwoFileModel(string folder)
    {
        var a = Externalize(TensorData.Create<float>("a", A, [10, 100]), folder, "part1.bin");
        var b = Externalize(TensorData.Create<long>("b", B, [300]), folder, "part2.bin");
        var c = Externalize(TensorData.Create<Half>("c", C, [50]), folder, "part1.bin");
        var model = BuildModel(a, b, c);
        Write(model, Path.Combine(folder, "model.onnx"));
        return model;
    }

    private static void AssertValues(OnnxModel model, bool external = true)
    {
        var init = model.Proto.Graph.Initializer;
        Assert.All(init, t => Assert.Equal(external, TensorData.IsExternal(t)));
        Assert.Equal(A, TensorData.Read<float>(init[0], model.BaseDirectory));
        Assert.Equal(B, TensorData.Read<long>(init[1], model.BaseDirectory));
        Assert.Equal(C, TensorData.Read<Half>(init[2], model.BaseDirectory));
    }
}
