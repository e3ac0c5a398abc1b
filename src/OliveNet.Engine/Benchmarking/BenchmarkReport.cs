using OliveNet.Runtime;

namespace OliveNet.Engine.Benchmarking;

/// <summary>The result of benchmarking one model: settings used, inputs generated, latency statistics and, from one
/// profiled run, how many nodes each execution provider really ran (<see cref="NodesByProvider"/>), and with
/// <see cref="BenchmarkSettings.ProfileRuns"/> where the time goes per operator type and node (<see cref="Profile"/>).</summary>
public sealed record BenchmarkReport(
    string Model,
    string OnnxRuntimeVersion,
    string ExecutionProvider,
    int? Threads,
    string OptimizationLevel,
    int Warmup,
    int Runs,
    double SessionCreateMs,
    IReadOnlyList<GeneratedInput> Inputs,
    IReadOnlyList<string> Notes,
    LatencyStatistics LatencyMs,
    IReadOnlyDictionary<string, int> NodesByProvider,
    OperatorProfile? Profile = null);

/// <summary>An input the benchmark generated: name, element type and the concrete shape used.</summary>
public sealed record GeneratedInput(string Name, string Type, IReadOnlyList<long> Shape, string Data);
