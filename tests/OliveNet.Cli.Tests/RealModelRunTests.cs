using OliveNet.Runtime;

namespace OliveNet.Cli.Tests;

/// <summary>The real models run through our binding and give outputs of the right form.</summary>
public sealed class RealModelRunTests
{
    // A float32 sum of n terms is off by at most about n·2^-24 relative; rows here have up to 6625 terms.
    private const double SoftmaxRowTolerance = 6625 * 5.96e-8;

    [Fact]
    public void Recognizer_gives_a_probability_distribution_per_time_step()
    {
        var probs = RunSingle(RealModels.OcrRecognizer, "x", Random(1 * 3 * 48 * 320), [1, 3, 48, 320], out var shape);

        // PP-OCRv4 rec downsamples the width by 8 and scores 6625 classes.
        Assert.Equal([1L, 320 / 8, 6625], shape);
        AssertRowsSumToOne(probs, 6625);
    }

    [Fact]
    public void Angle_classifier_gives_two_class_probabilities()
    {
        var probs = RunSingle(RealModels.OcrClassifier, "x", Random(2 * 3 * 48 * 192), [2, 3, 48, 192], out var shape);

        Assert.Equal([2L, 2], shape);
        AssertRowsSumToOne(probs, 2);
    }

    [Fact]
    public void Detector_gives_a_probability_map_of_the_input_size()
    {
        var map = RunSingle(RealModels.OcrDetector, "x", Random(1 * 3 * 96 * 128), [1, 3, 96, 128], out var shape);

        Assert.Equal([1L, 1, 96, 128], shape);
        Assert.All(map, p => Assert.InRange(p, 0f, 1f));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Silero_vad_returns_a_low_speech_probability_for_silence(bool withIfSubgraphs)
    {
        var path = withIfSubgraphs ? RealModels.SileroV6 : RealModels.SileroIfless;
        using var session = new InferenceSession(path);
        using var audio = OrtValue.CreateTensor<float>(new float[512], [1, 512]);
        using var state = OrtValue.CreateTensor<float>(new float[2 * 128], [2, 1, 128]);
        using var rate = OrtValue.CreateTensor<long>(new long[] { 16000 }, []);

        using var outputs = session.Run(
            [KeyValuePair.Create("input", audio), KeyValuePair.Create("state", state), KeyValuePair.Create("sr", rate)],
            ["output", "stateN"]);

        Assert.Equal([1L, 1], outputs[0].Shape);
        var probability = outputs[0].GetTensorData<float>()[0];
        Assert.InRange(probability, 0f, 0.5f);
        Assert.Equal([2L, 1, 128], outputs[1].Shape);
    }

    private static float[] RunSingle(string model, string input, float[] data, long[] shape, out long[] outputShape)
    {
        using var session = new InferenceSession(model);
        using var value = OrtValue.CreateTensor<float>(data, shape);
        using var outputs = session.Run([KeyValuePair.Create(input, value)]);
        outputShape = outputs[0].Shape;
        return outputs[0].GetTensorData<float>().ToArray();
    }

    private static void AssertRowsSumToOne(float[] probs, int classes)
    {
        for (var row = 0; row < probs.Length / classes; row++)
        {
            double sum = 0;
            foreach (var p in probs.AsSpan(row * classes, classes))
            {
                Assert.InRange(p, 0f, 1f);
                sum += p;
            }

            Assert.True(Math.Abs(sum - 1) <= SoftmaxRowTolerance, $"row {row} sums to {sum}");
        }
    }

    private static float[] Random(int count)
    {
        var random = new Random(42);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
    }
}
