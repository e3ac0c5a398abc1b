using OliveNet.Runtime;

namespace OliveNet.Passes.Tests;

/// <summary>Runs a model in ONNX Runtime on the CPU and copies the float outputs out.</summary>
internal static class ModelRunner
{
    /// <summary>A fixed, seeded input in [-1, 1).</summary>
    public static float[] SeededFloats(int count, int seed)
    {
        var random = new Random(seed);
        var data = new float[count];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return data;
    }

    /// <summary>
    /// Runs the model once with ORT's own graph optimizations off, so the math executed is exactly the model's
    /// (otherwise ORT would fuse the input model at load and both sides of a comparison would run the same kernels).
    /// Returns every float output by name.
    /// </summary>
    public static Dictionary<string, float[]> Run(string modelPath, params (string Name, OrtValue Value)[] inputs)
    {
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.DisableAll };
        using var session = new InferenceSession(modelPath, options);
        using var outputs = session.Run(inputs.Select(i => KeyValuePair.Create(i.Name, i.Value)).ToList());
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (var i = 0; i < outputs.Count; i++)
        {
            result[outputs.Names[i]] = outputs[i].GetTensorData<float>().ToArray();
        }

        return result;
    }

    /// <summary>Runs an image model whose single input is <c>x</c> with the given shape, on a seeded input.</summary>
    public static Dictionary<string, float[]> RunImage(string modelPath, long[] shape, int seed = 7)
    {
        var data = SeededFloats((int)shape.Aggregate(1L, (a, b) => a * b), seed);
        using var x = OrtValue.CreateTensor<float>(data, shape);
        return Run(modelPath, ("x", x));
    }

    /// <summary>Largest absolute difference between two outputs of the same shape.</summary>
    public static double MaxAbsDiff(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)expected[i] - actual[i]));
        }

        return max;
    }
}
