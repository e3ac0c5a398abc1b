using System.IO.Compression;
using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Passes.Quantization.Static;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.Static.QOperator;

/// <summary>
/// The committed Fashion-MNIST CNN (pipelines/models/fashion-mnist-cnn.onnx) in QOperator format, calibrated on the first
/// 256 training images and scored on the first 1000 test images of Debian's dataset-fashion-mnist, pixels / 255 as trained.
/// </summary>
public sealed class FashionMnistQOperatorTests(ITestOutputHelper output)
{
    private const string Data = "/usr/share/datasets/fashion-mnist";
    private const int TestImages = 1000;
    private static readonly long[] Shape = [1, 1, 28, 28];

    /// <summary>The recipe's goal (pipelines/fashion-mnist-int8.yaml): at most 0.01 of accuracy below FP32.</summary>
    [Fact]
    public void The_QOperator_CNN_stays_within_one_point_of_FP32_accuracy()
    {
        Assert.True(File.Exists(Path.Combine(Data, "t10k-images-idx3-ubyte.gz")), "Fashion-MNIST is missing: apt-get install -y dataset-fashion-mnist");
        using var temp = new TempFolder();
        var model = Path.Combine(TestModels.RepoRoot(), "pipelines", "models", "fashion-mnist-cnn.onnx");
        var options = new OnnxStaticQuantizationOptions { QuantFormat = "QOperator", PerChannel = true, DataDir = WriteCalibration(temp.Sub("calibration"), 256) };
        var log = new StringWriter();
        var quantized = PassRunner.Run(new OnnxStaticQuantizationPass(), model, options, temp.Sub("out"), log);
        output.WriteLine(log.ToString().Trim());
        Assert.Contains(OnnxModel.Load(quantized).MainGraph.Nodes, n => n.OpType == "QLinearConv");

        var fp32 = Accuracy(model);
        var int8 = Accuracy(quantized);
        output.WriteLine($"accuracy on {TestImages} test images: FP32 {fp32:F3}, QOperator INT8 {int8:F3}");
        Assert.True(int8 >= fp32 - 0.01, $"QOperator accuracy {int8} is more than 0.01 below FP32 {fp32}");
    }

    private static string WriteCalibration(string folder, int count)
    {
        var images = Idx("train-images-idx3-ubyte.gz", 16);
        for (var i = 0; i < count; i++)
        {
            var sample = Directory.CreateDirectory(Path.Combine(folder, $"sample_{i:D3}")).FullName;
            File.WriteAllBytes(Path.Combine(sample, "input_0.pb"), TensorData.Create<float>("input", Pixels(images, i), Shape).ToByteArray());
        }

        return folder;
    }

    private static double Accuracy(string model)
    {
        var images = Idx("t10k-images-idx3-ubyte.gz", 16);
        var labels = Idx("t10k-labels-idx1-ubyte.gz", 8);
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.All };
        using var session = new InferenceSession(model, options);
        var correct = 0;
        for (var i = 0; i < TestImages; i++)
        {
            using var input = OrtValue.CreateTensor<float>(Pixels(images, i), Shape);
            using var outputs = session.Run([KeyValuePair.Create(session.Inputs[0].Name, input)]);
            var logits = outputs[0].GetTensorData<float>().ToArray();
            correct += Array.IndexOf(logits, logits.Max()) == labels[i] ? 1 : 0;
        }

        return correct / (double)TestImages;
    }

    private static float[] Pixels(byte[] images, int index) => images.AsSpan(index * 784, 784).ToArray().Select(b => b / 255f).ToArray();

    /// <summary>An IDX file's payload after its <paramref name="header"/> bytes.</summary>
    private static byte[] Idx(string file, int header)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(Data, file)), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gz.CopyTo(memory);
        return memory.ToArray()[header..];
    }
}
