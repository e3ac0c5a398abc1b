using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Quantization.Float16;

/// <summary>Runs models whose outputs may be float16 or int64 and compares them with float32 results.</summary>
internal static class Float16Check
{
    /// <summary>The unit roundoff of float16: a correctly rounded result is within a relative 2^-11 of the exact value.</summary>
    public const double Unit = 1.0 / 2048;

    /// <summary>Runs with ORT's graph optimizations off; every numeric output comes back widened to double.</summary>
    public static Dictionary<string, double[]> Run(string modelPath, params (string Name, OrtValue Value)[] inputs)
    {
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.DisableAll };
        using var session = new InferenceSession(modelPath, options);
        using var outputs = session.Run(inputs.Select(i => KeyValuePair.Create(i.Name, i.Value)).ToList());
        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (var i = 0; i < outputs.Count; i++)
        {
            var value = outputs[i];
            result[outputs.Names[i]] = value.ElementType switch
            {
                TensorElementType.Float => value.GetTensorData<float>().ToArray().Select(v => (double)v).ToArray(),
                TensorElementType.Float16 => value.GetTensorData<Half>().ToArray().Select(v => (double)v).ToArray(),
                TensorElementType.Int64 => value.GetTensorData<long>().ToArray().Select(v => (double)v).ToArray(),
                _ => throw new InvalidOperationException($"Output {outputs.Names[i]} is {value.ElementType}; add it here."),
            };
        }

        return result;
    }

    /// <summary>Cosine similarity of two vectors of the same length.</summary>
    public static double Cosine(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>Bytes of every file in the folder of <paramref name="modelPath"/> (model plus external data).</summary>
    public static long FolderBytes(string modelPath) =>
        Directory.GetFiles(Path.GetDirectoryName(modelPath)!).Sum(f => new FileInfo(f).Length);
}
