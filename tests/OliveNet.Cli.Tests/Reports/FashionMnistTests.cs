using System.IO.Compression;
using System.Text.Json;
using OliveNet.Runtime;

namespace OliveNet.Cli.Tests.Reports;

/// <summary>
/// pipelines/fashion-mnist-int8.yaml: the committed Fashion-MNIST CNN statically quantized with calibration from the IDX
/// training images, gated by accuracy on 1000 test images (Debian's dataset-fashion-mnist).
/// </summary>
public sealed class FashionMnistTests : IDisposable
{
    private const string Data = "/usr/share/datasets/fashion-mnist";
    private static readonly string Root = RepoRoot();
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_int8_gate_is_computed_from_the_real_fp32_accuracy_and_the_calibration_key_does_not_depend_on_the_cache_folder()
    {
        Assert.True(File.Exists(Path.Combine(Data, "t10k-images-idx3-ubyte.gz")), "Fashion-MNIST is missing: apt-get install -y dataset-fashion-mnist");
        var (exit, _, stderr) = Run("a");
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out-a", "metrics.json")));
        var baseline = metrics.RootElement.GetProperty("baseline").GetProperty("accuracy-accuracy_score").GetDouble();

        // The FP32 accuracy the gate starts from equals an independent count: the IDX files read here, the model run
        // one image at a time through ONNX Runtime, argmax against the label. The recipe runs batches of 100, whose
        // kernels may round differently from batch 1 and flip a near-tie: 2 images of 1000 are allowed for that.
        Assert.Equal(CountCorrect(Path.Combine(Root, "pipelines", "models", "fashion-mnist-cnn.onnx"), 1000) / 1000.0, baseline, 0.002 + 1e-12);
        Assert.True(baseline > 0.8, $"FP32 accuracy {baseline} on 1000 test images");

        var goal = metrics.RootElement.GetProperty("goals")[0];
        Assert.Equal(baseline - 0.01, goal.GetProperty("bound").GetDouble(), 12);
        var candidate = metrics.RootElement.GetProperty("candidates")[0];
        var int8 = candidate.GetProperty("metrics").GetProperty("accuracy-accuracy_score").GetDouble();
        var met = int8 >= baseline - 0.01 - 1e-12;
        Assert.Equal(met, candidate.GetProperty("verdicts").GetProperty("accuracy-accuracy_score").GetBoolean());
        Assert.True(exit == (met ? 0 : 3), $"exit {exit} with INT8 accuracy {int8} vs FP32 {baseline}: {stderr}");
        if (met)
        {
            Assert.Contains("QuantizeLinear", System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(Path.Combine(_dir.Path, "out-a", "model.onnx"))), StringComparison.Ordinal);
        }

        // The same recipe with another cache folder: the calibration data folder is named by its content, so the
        // quantization pass has the same cache key.
        Run("b");
        using var other = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out-b", "metrics.json")));
        Assert.Equal(Key(metrics), Key(other));
        Assert.Contains("\"data_dir\":\"data:fashion_calibration-", Options(metrics), StringComparison.Ordinal);
    }

    private static string Key(JsonDocument metrics) => metrics.RootElement.GetProperty("candidates")[0].GetProperty("lineage")[0].GetProperty("cache_key").GetString()!;

    private static string Options(JsonDocument metrics) => metrics.RootElement.GetProperty("candidates")[0].GetProperty("lineage")[0].GetProperty("options").GetString()!;

    private (int Exit, string Out, string Err) Run(string name) =>
        CliRunner.Run("run", Path.Combine(Root, "pipelines", "fashion-mnist-int8.yaml"), "--set", $"cache_dir={_dir.Path}/cache-{name}", "--set", $"output_dir={_dir.Path}/out-{name}");

    /// <summary>Correct argmax predictions of the model on the first <paramref name="count"/> test images, pixels / 255.</summary>
    internal static int CountCorrect(string model, int count)
    {
        var images = Idx("t10k-images-idx3-ubyte.gz", 16);
        var labels = Idx("t10k-labels-idx1-ubyte.gz", 8);
        using var session = new InferenceSession(model);
        var correct = 0;
        for (var i = 0; i < count; i++)
        {
            var pixels = images.AsSpan(i * 784, 784).ToArray().Select(b => b / 255f).ToArray();
            using var input = OrtValue.CreateTensor(TensorElementType.Float, System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray(), [1, 1, 28, 28]);
            using var outputs = session.Run([KeyValuePair.Create(session.Inputs[0].Name, input)]);
            var logits = outputs[0].GetTensorData<float>().ToArray();
            correct += Array.IndexOf(logits, logits.Max()) == labels[i] ? 1 : 0;
        }

        return correct;
    }

    private static byte[] Idx(string file, int header)
    {
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(Data, file)), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray()[header..];
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("OliveNet.sln not found above the test binaries");
    }
}
