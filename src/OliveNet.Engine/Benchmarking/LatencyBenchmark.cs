using System.Diagnostics;
using OliveNet.Runtime;

namespace OliveNet.Engine.Benchmarking;

/// <summary>Measures the latency of ONNX Runtime inference on one model with generated inputs.</summary>
public static class LatencyBenchmark
{
    /// <summary>Creates a session, runs <see cref="BenchmarkSettings.Warmup"/> untimed and <see cref="BenchmarkSettings.Runs"/> timed inferences.</summary>
    /// <param name="modelPath">The model file.</param>
    /// <param name="settings">What to run.</param>
    /// <param name="progress">Receives one line per phase; may be null.</param>
    /// <param name="cancellation">Stops between runs.</param>
    /// <exception cref="BenchmarkException">The settings do not fit the model.</exception>
    /// <exception cref="OrtException">ONNX Runtime rejected the model or an inference.</exception>
    public static BenchmarkReport Run(string modelPath, BenchmarkSettings settings, TextWriter? progress = null, CancellationToken cancellation = default)
    {
        if (settings.Runs < 1 || settings.Warmup < 0)
        {
            throw new BenchmarkException($"runs must be at least 1 and warm-up at least 0 (got runs {settings.Runs}, warm-up {settings.Warmup}).");
        }

        if (settings.ProfileRuns < 0)
        {
            throw new BenchmarkException($"profiled runs must be 0 or more, got {settings.ProfileRuns}.");
        }

        if (settings.Threads is < 0)
        {
            throw new BenchmarkException($"threads must be 0 (ONNX Runtime's default) or more, got {settings.Threads}.");
        }

        using var options = new SessionOptions();
        Configure(options, settings);

        var created = Stopwatch.GetTimestamp();
        using var session = new InferenceSession(modelPath, options);
        var createMs = Stopwatch.GetElapsedTime(created).TotalMilliseconds;

        var notes = new List<string>();
        var inputs = InputGenerator.Create(session.Inputs, settings, notes);
        try
        {
            var feed = inputs.Select(i => KeyValuePair.Create(i.Info.Name, i.Value)).ToList();
            progress?.WriteLine($"warm-up: {settings.Warmup} runs");
            for (var i = 0; i < settings.Warmup; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var _ = session.Run(feed);
            }

            progress?.WriteLine($"measuring: {settings.Runs} runs");
            var samples = new double[settings.Runs];
            for (var i = 0; i < settings.Runs; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                var start = Stopwatch.GetTimestamp();
                using var outputs = session.Run(feed);
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            // More runs under ORT's profiler, in their own session so the timed runs are untouched: where nodes really
            // ran, and with ProfileRuns where the time goes.
            OperatorProfile? profile = null;
            IReadOnlyDictionary<string, int> placement;
            if (settings.ProfileRuns > 0)
            {
                progress?.WriteLine($"profiling: {settings.ProfileRuns} runs");
                profile = OperatorProfile.Measure(modelPath, o => Configure(o, settings), feed, settings.ProfileRuns);
                placement = profile.NodesByProvider;
            }
            else
            {
                placement = ProviderPlacement.Measure(modelPath, o => Configure(o, settings), feed);
            }

            return new BenchmarkReport(
                Model: modelPath,
                OnnxRuntimeVersion: OrtRuntime.Version,
                ExecutionProvider: settings.ExecutionProvider,
                Threads: settings.Threads,
                OptimizationLevel: settings.OptimizationLevel.ToString(),
                Warmup: settings.Warmup,
                Runs: settings.Runs,
                SessionCreateMs: createMs,
                Inputs: inputs.Select(i => i.Info).ToList(),
                Notes: notes,
                LatencyMs: LatencyStatistics.From(samples),
                NodesByProvider: placement,
                Profile: profile);
        }
        finally
        {
            foreach (var (_, value) in inputs)
            {
                value.Dispose();
            }
        }
    }

    private static void Configure(SessionOptions options, BenchmarkSettings settings)
    {
        options.OptimizationLevel = settings.OptimizationLevel;
        options.AppendExecutionProvider(settings.ExecutionProvider);
        if (settings.Threads is { } threads)
        {
            options.IntraOpThreads = threads;
        }
    }
}
