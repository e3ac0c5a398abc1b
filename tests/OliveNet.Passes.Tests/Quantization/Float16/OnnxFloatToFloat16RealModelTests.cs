using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Quantization.Float16;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.Float16;

public sealed class OnnxFloatToFloat16RealModelTests(ITestOutputHelper output)
{
    [Fact]
    public void PP_OCRv4_recognizer_halves_in_size_and_its_character_probabilities_stay_close_to_float32()
    {
        using var temp = new TempFolder();
        var log = new StringWriter();
        var converted = PassRunner.Run(new OnnxFloatToFloat16Pass(), TestModels.OcrRec, new OnnxFloatToFloat16Options { KeepIoTypes = true }, temp.Sub("out"), log);

        var ratio = (double)Float16Check.FolderBytes(converted) / new FileInfo(TestModels.OcrRec).Length;
        AssertNoFloat32Weights(converted);
        var expected = ModelRunner.RunImage(TestModels.OcrRec, [1, 3, 48, 320]).Single().Value;
        var actual = ModelRunner.RunImage(converted, [1, 3, 48, 320]).Single().Value;
        var cosine = Float16Check.Cosine(expected, actual);
        output.WriteLine($"rec: size ratio {ratio:F3}, cosine {cosine:F6}, max |Δ| {ModelRunner.MaxAbsDiff(expected, actual):G3}; {log}");

        // Weights are nearly all the bytes and each halves; the graph itself does not shrink.
        Assert.InRange(ratio, 0.45, 0.6);
        Assert.True(cosine >= 0.999, $"cosine {cosine} < 0.999");
    }

    [Fact]
    public void Silero_without_If_runs_in_float16_and_its_speech_probability_and_state_stay_close_to_float32()
    {
        using var temp = new TempFolder();
        var converted = PassRunner.Run(new OnnxFloatToFloat16Pass(), TestModels.SileroIfless, new OnnxFloatToFloat16Options { KeepIoTypes = true }, temp.Sub("out"));
        var ratio = (double)Float16Check.FolderBytes(converted) / new FileInfo(TestModels.SileroIfless).Length;
        AssertNoFloat32Weights(converted);
        CompareVad("silero ifless", TestModels.SileroIfless, converted, ratio);
    }

    [Fact]
    public void Silero_v6_converts_inside_its_If_bodies_and_runs_close_to_float32()
    {
        using var temp = new TempFolder();
        var converted = PassRunner.Run(new OnnxFloatToFloat16Pass(), TestModels.SileroVad, new OnnxFloatToFloat16Options { KeepIoTypes = true }, temp.Sub("out"));
        var ratio = (double)Float16Check.FolderBytes(converted) / new FileInfo(TestModels.SileroVad).Length;
        var model = OnnxModel.Load(converted);
        Assert.True(model.AllGraphs().Count() > 1);
        AssertNoFloat32Weights(converted);
        // Every If body output that was float32 is float16 now, matching the values the outer graph reads.
        Assert.DoesNotContain(model.AllGraphs().Skip(1).SelectMany(g => g.Proto.Output), o => o.Type?.TensorType?.ElemType == 1);
        CompareVad("silero v6", TestModels.SileroVad, converted, ratio);
    }

    [Fact]
    public void Blocking_an_If_node_fails_because_its_bodies_would_read_float16_as_float32()
    {
        using var temp = new TempFolder();
        var ex = Assert.Throws<PassFailedException>(() => PassRunner.Run(
            new OnnxFloatToFloat16Pass(), TestModels.SileroVad, new OnnxFloatToFloat16Options { OpBlockList = ["If"] }, temp.Sub("out")));
        Assert.Contains("is blocked but holds subgraphs", ex.Message, StringComparison.Ordinal);
        Assert.Contains("block the nodes inside its body instead", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_input_and_options_give_byte_identical_files()
    {
        using var temp = new TempFolder();
        var options = new OnnxFloatToFloat16Options { KeepIoTypes = true };
        var first = PassRunner.Run(new OnnxFloatToFloat16Pass(), TestModels.SileroVad, options, temp.Sub("a"));
        var second = PassRunner.Run(new OnnxFloatToFloat16Pass(), TestModels.SileroVad, options, temp.Sub("b"));
        PassRunner.AssertSameFiles(Path.GetDirectoryName(first)!, Path.GetDirectoryName(second)!);
    }

    private void CompareVad(string label, string original, string converted, double ratio)
    {
        var expected = RunVad(original);
        var actual = RunVad(converted);
        var stateCosine = Float16Check.Cosine(expected["stateN"], actual["stateN"]);
        var probDiff = Math.Abs(expected["output"][0] - actual["output"][0]);
        var halvable = ReadFloat32Bytes(original) / 2.0 / new FileInfo(original).Length;
        output.WriteLine($"{label}: size ratio {ratio:F3} (1 - {halvable:F3} expected), stateN cosine {stateCosine:F6}, speech probability {expected["output"][0]:F5} vs {actual["output"][0]:F5}");
        // Only weights something reads are halved; unread ones (and the graph) keep their size. 1% covers added Casts.
        Assert.InRange(ratio, 1 - halvable - 0.01, 1 - halvable + 0.01);
        Assert.True(stateCosine >= 0.999, $"stateN cosine {stateCosine} < 0.999");
        // The probability is one sigmoid output; cosine means nothing for a scalar. A 1% absolute change is far below
        // any VAD threshold step (0.5 by default) and about 20 float16 ulps near 0.5 after accumulated rounding.
        Assert.True(probDiff <= 0.01, $"speech probability moved by {probDiff}");
    }

    private static Dictionary<string, float[]> RunVad(string path)
    {
        using var input = OrtValue.CreateTensor<float>(ModelRunner.SeededFloats(512, 11), [1, 512]);
        using var state = OrtValue.CreateTensor<float>(new float[2 * 128], [2, 1, 128]);
        using var sr = OrtValue.CreateTensor<long>(new long[] { 16000 }, []);
        return ModelRunner.Run(path, ("input", input), ("state", state), ("sr", sr));
    }

    private static long ReadFloat32Bytes(string path)
    {
        var model = OnnxModel.Load(path);
        var read = model.AllGraphs().SelectMany(g => g.Nodes.SelectMany(n => n.Input)).ToHashSet(StringComparer.Ordinal);
        return model.Weights().Where(w => w.Tensor.DataType == 1 && read.Contains(w.Name)).Sum(w => TensorData.ByteSize(w.Tensor));
    }

    private static void AssertNoFloat32Weights(string path)
    {
        // Weights nothing reads (Silero's exporter leaves two) are not converted, as in ONNX Runtime's converter.
        var model = OnnxModel.Load(path);
        var read = model.AllGraphs().SelectMany(g => g.Nodes.SelectMany(n => n.Input).Concat(g.Proto.Output.Select(o => o.Name))).ToHashSet(StringComparer.Ordinal);
        var float32 = model.Weights().Where(w => w.Tensor.DataType == 1 && read.Contains(w.Name)).Select(w => w.Name).ToList();
        Assert.True(float32.Count == 0, "float32 weights left: " + string.Join(", ", float32.Take(5)));
    }
}
