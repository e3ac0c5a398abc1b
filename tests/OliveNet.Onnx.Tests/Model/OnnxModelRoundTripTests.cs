using Google.Protobuf;

namespace OliveNet.Onnx.Tests.Model;

public class OnnxModelRoundTripTests
{
    [Fact]
    public void Every_libonnx_testdata_model_round_trips_and_saves_identically_twice()
    {
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var tmp = new TempFolder();
        var models = TestData.LibOnnxModels();
        Parallel.For(0, models.Count, i =>
        {
            var source = models[i];
            try
            {
                CheckRoundTrip(source, tmp.File($"m{i}.onnx"));
            }
            catch (Exception ex) when (ex is OnnxFormatException or Xunit.Sdk.XunitException or IOException or InvalidProtocolBufferException)
            {
                failures.Add($"{source}: {ex.Message}");
            }
        });

        Assert.True(failures.IsEmpty, $"{failures.Count} of {models.Count} models failed:\n{string.Join('\n', failures.Order(StringComparer.Ordinal).Take(30))}");
    }

    [Fact]
    public void Real_paddle_and_silero_models_round_trip_and_save_identically_twice()
    {
        using var tmp = new TempFolder();
        foreach (var source in TestData.RealModels)
        {
            CheckRoundTrip(source, tmp.File(Path.GetFileName(source)));
        }
    }

    [Fact]
    public void To_bytes_of_an_inline_model_parses_back_to_the_same_proto()
    {
        var model = OnnxModel.Load(TestData.OcrCls);
        var parsed = Protos.ModelProto.Parser.ParseFrom(model.ToBytes());
        Assert.Equal(model.Proto, parsed);
    }

    [Fact]
    public void Fields_this_schema_does_not_know_survive_a_save()
    {
        using var tmp = new TempFolder();
        var known = File.ReadAllBytes(TestData.OcrCls);
        // Field 99, wire type 2 (length-delimited), 3 bytes: a field from some future ONNX version.
        byte[] unknown = [0x9A, 0x06, 0x03, 0x61, 0x62, 0x63];
        File.WriteAllBytes(tmp.File("in.onnx"), [.. known, .. unknown]);
        OnnxModel.Load(tmp.File("in.onnx")).Save(tmp.File("out.onnx"));
        var saved = File.ReadAllBytes(tmp.File("out.onnx"));
        Assert.True(saved.AsSpan().IndexOf(unknown) >= 0, "the unknown field was dropped");
    }

    private static void CheckRoundTrip(string source, string target)
    {
        var model = OnnxModel.Load(source);
        var before = model.Proto.Clone();
        model.Save(target);
        var first = File.ReadAllBytes(target);
        Assert.Equal(before, model.Proto); // saving must not change the in-memory model
        model.Save(target);
        Assert.Equal(first, File.ReadAllBytes(target));
        Assert.False(File.Exists(target + ".data"), "an all-inline model must not get a data file");
        var reloaded = OnnxModel.Load(target);
        Assert.Equal(model.Proto, reloaded.Proto);
    }
}
