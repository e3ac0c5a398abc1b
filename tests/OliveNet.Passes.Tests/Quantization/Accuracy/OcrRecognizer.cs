using Google.Protobuf;
using OliveNet.Onnx.Protos;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Quantization.Accuracy;

/// <summary>Reads the rendered lines with a PP-OCRv4 recognizer and writes them as calibration samples.</summary>
internal static class OcrRecognizer
{
    private static readonly Lazy<CtcDecoder> LazyDecoder = new(() =>
        new CtcDecoder(Path.Combine(Path.GetDirectoryName(TestModels.OcrRec)!, "ppocr_keys_v1.txt")));

    private static readonly Lazy<RecognitionScore> LazyFp32 = new(() => Score("FP32", TestModels.OcrRec));

    public static CtcDecoder Decoder => LazyDecoder.Value;

    /// <summary>The FP32 model's score, computed once for every test of the run.</summary>
    public static RecognitionScore Fp32 => LazyFp32.Value;

    public static IReadOnlyList<string> Labels => RenderedLines.Lines.Select(l => l.Label).ToList();

    /// <summary>
    /// Greedy-CTC text of every rendered line. ORT's full optimizations are on, as a deployment would run them (QDQ pairs
    /// fuse into QLinearConv/QLinearMatMul, so the integer kernels are what is measured, not a float simulation).
    /// </summary>
    public static IReadOnlyList<string> Read(string modelPath)
    {
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.All };
        using var session = new InferenceSession(modelPath, options);
        var texts = new List<string>();
        foreach (var (_, pixels) in RenderedLines.Lines)
        {
            using var x = OrtValue.CreateTensor<float>(pixels.ToArray(), RenderedLines.Shape);
            using var outputs = session.Run([KeyValuePair.Create("x", x)]);
            texts.Add(Decoder.Decode(outputs[0].GetTensorData<float>()));
        }

        return texts;
    }

    public static RecognitionScore Score(string variant, string modelPath) => RecognitionScore.Of(variant, Labels, Read(modelPath));

    /// <summary>The first <paramref name="count"/> lines as a data_dir: sample_NN/input_0.pb, a float TensorProto [1, 3, 48, 320].</summary>
    public static string WriteCalibrationSamples(string folder, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var pixels = RenderedLines.Lines[i].Pixels;
            var tensor = new TensorProto
            {
                Name = "x",
                DataType = (int)TensorProto.Types.DataType.Float,
                RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan())),
            };
            tensor.Dims.AddRange(RenderedLines.Shape);
            var sample = Directory.CreateDirectory(Path.Combine(folder, $"sample_{i:D2}")).FullName;
            File.WriteAllBytes(Path.Combine(sample, "input_0.pb"), tensor.ToByteArray());
        }

        return folder;
    }
}
