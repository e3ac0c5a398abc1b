using System.Diagnostics;
using System.Globalization;
using OliveNet.Runtime;
using Ort = Microsoft.ML.OnnxRuntime;

namespace OliveNet.Bench;

/// <summary>
/// OliveNet's session seam (<see cref="InferenceSession"/> over the official package) against the official
/// <c>Microsoft.ML.OnnxRuntime.InferenceSession</c> used directly, on one model, one float input filled with a constant,
/// same options, one run of each in turn in one process. What the seam adds per run is the ratio's distance from 1.
/// </summary>
internal static class OrtParity
{
    public static int Run(string[] args)
    {
        string? model = null, input = null;
        long[] shape = [];
        int runs = 200, warmup = 20, threads = 1;
        var fill = 0.5f;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--input" when i + 1 < args.Length:
                    var parts = args[++i].Split('=', 2);
                    input = parts[0];
                    shape = parts[1].Split('x').Select(long.Parse).ToArray();
                    break;
                case "--fill" when i + 1 < args.Length: fill = float.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--runs" when i + 1 < args.Length: runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warmup" when i + 1 < args.Length: warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads" when i + 1 < args.Length: threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: model = args[i]; break;
            }
        }

        if (model is null || input is null || !File.Exists(model))
        {
            Console.Error.WriteLine("ort-parity needs --input NAME=D0xD1... (float) and the path of an existing .onnx model.");
            return 2;
        }

        var data = Enumerable.Repeat(fill, (int)shape.Aggregate(1L, (a, b) => a * b)).ToArray();

        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.All, IntraOpThreads = threads, InterOpThreads = 1 };
        using var ours = new InferenceSession(model, options);
        using var ourInput = OrtValue.CreateTensor<float>(data, shape);
        List<KeyValuePair<string, OrtValue>> ourInputs = [new(input, ourInput)];

        using var bareOptions = new Ort.SessionOptions
        {
            GraphOptimizationLevel = Ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        using var bare = new Ort.InferenceSession(model, bareOptions);
        using var bareRun = new Ort.RunOptions();
        using var bareInput = Ort.OrtValue.CreateTensorValueFromMemory(data, shape);
        string[] bareNames = [input];
        Ort.OrtValue[] bareValues = [bareInput];
        var outputNames = bare.OutputNames.ToArray();

        var oursMs = new List<double>(runs);
        var bareMs = new List<double>(runs);
        for (var i = 0; i < warmup + runs; i++)
        {
            var watch = Stopwatch.StartNew();
            using (ours.Run(ourInputs))
            {
            }

            var a = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            using (bare.Run(bareRun, bareNames, bareValues, outputNames))
            {
            }

            var b = watch.Elapsed.TotalMilliseconds;
            if (i >= warmup)
            {
                oursMs.Add(a);
                bareMs.Add(b);
            }
        }

        var (p50Ours, p50Bare) = (Median(oursMs), Median(bareMs));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"ONNX Runtime {OrtRuntime.Version} ({OrtRuntime.Flavor}), {threads} thread(s), {runs} runs each interleaved after {warmup} warm-up: " +
            $"olivenet seam p50 {p50Ours:F3} ms, official C# API p50 {p50Bare:F3} ms, ratio {p50Ours / p50Bare:F3}"));
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
