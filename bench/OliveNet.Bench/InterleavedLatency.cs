using System.Diagnostics;
using OliveNet.Runtime;

namespace OliveNet.Bench;

/// <summary>
/// p50 latency of several models on the same generated int64 inputs, one run of each model in turn inside one process,
/// so load on a shared machine (which swings within seconds) hits every model alike. Prints one line per model and the
/// ratio of the first model's p50 to each of the others.
/// </summary>
internal static class InterleavedLatency
{
    public static int Run(string[] args)
    {
        var inputs = new List<(string Name, long[] Shape)>();
        var models = new List<string>();
        int runs = 200, warmup = 10, threads = 1;
        long intMax = 8;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--input" when i + 1 < args.Length:
                    var parts = args[++i].Split('=', 2);
                    inputs.Add((parts[0], parts[1].Split('x').Select(long.Parse).ToArray()));
                    break;
                case "--runs" when i + 1 < args.Length: runs = int.Parse(args[++i]); break;
                case "--warmup" when i + 1 < args.Length: warmup = int.Parse(args[++i]); break;
                case "--threads" when i + 1 < args.Length: threads = int.Parse(args[++i]); break;
                case "--int-max" when i + 1 < args.Length: intMax = long.Parse(args[++i]); break;
                default: models.Add(args[i]); break;
            }
        }

        if (models.Count < 2 || inputs.Count == 0)
        {
            Console.Error.WriteLine("interleaved-latency needs --input name=d0xd1... (int64, repeatable) and two or more models.");
            return 2;
        }

        if (models.FirstOrDefault(m => !File.Exists(m)) is { } missing)
        {
            Console.Error.WriteLine($"interleaved-latency: model '{missing}' does not exist; pass paths to .onnx files.");
            return 2;
        }

        var random = new Random(0);
        var values = inputs.Select(input => KeyValuePair.Create(
            input.Name,
            OrtValue.CreateTensor<long>(
                Enumerable.Range(0, (int)input.Shape.Aggregate(1L, (a, b) => a * b)).Select(_ => random.NextInt64(0, intMax)).ToArray(), input.Shape))).ToList();
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.All, IntraOpThreads = threads, InterOpThreads = 1 };
        List<InferenceSession> sessions;
        try
        {
            sessions = models.Select(m => new InferenceSession(m, options)).ToList();
        }
        catch (OrtException ex)
        {
            Console.Error.WriteLine($"interleaved-latency: ONNX Runtime could not load a model: {ex.Message}");
            return 1;
        }

        try
        {
            var times = models.Select(_ => new List<double>(runs)).ToList();
            for (var i = 0; i < warmup + runs; i++)
            {
                for (var k = 0; k < sessions.Count; k++)
                {
                    var watch = Stopwatch.StartNew();
                    using (sessions[k].Run(values))
                    {
                    }

                    if (i >= warmup)
                    {
                        times[k].Add(watch.Elapsed.TotalMilliseconds);
                    }
                }
            }

            var p50 = times.Select(t => t.Order().ElementAt(t.Count / 2)).ToList();
            Console.WriteLine($"ONNX Runtime {OrtRuntime.Version}, level All, {threads} thread(s), {runs} runs per model interleaved run by run after {warmup} warm-up");
            for (var k = 0; k < models.Count; k++)
            {
                Console.WriteLine($"p50 {p50[k],9:F3} ms  {(k == 0 ? "(reference)" : $"{p50[0] / p50[k]:F2}x vs the first")}  {models[k]}");
            }

            return 0;
        }
        finally
        {
            sessions.ForEach(s => s.Dispose());
            values.ForEach(v => v.Value.Dispose());
        }
    }
}
