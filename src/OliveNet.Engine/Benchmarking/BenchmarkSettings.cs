using OliveNet.Runtime;

namespace OliveNet.Engine.Benchmarking;

/// <summary>How to benchmark one model. Every field has a default a new user can keep.</summary>
public sealed record BenchmarkSettings
{
    /// <summary>Untimed runs before measuring, so caches, arenas and thread pools are warm.</summary>
    public int Warmup { get; init; } = 10;

    /// <summary>Timed runs.</summary>
    public int Runs { get; init; } = 100;

    /// <summary>Intra-op threads; <c>null</c> keeps ONNX Runtime's default (one per physical core).</summary>
    public int? Threads { get; init; }

    /// <summary>Execution provider, e.g. <c>CPUExecutionProvider</c> (default) or <c>CUDAExecutionProvider</c>; never silently replaced by CPU.</summary>
    public string ExecutionProvider { get; init; } = "CPUExecutionProvider";

    /// <summary>Graph optimization level of the session.</summary>
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.All;

    /// <summary>Values for symbolic dims, by dim name (e.g. <c>batch=1</c>).</summary>
    public IReadOnlyDictionary<string, long> Dims { get; init; } = new Dictionary<string, long>();

    /// <summary>Whole shapes by input name; wins over <see cref="Dims"/>.</summary>
    public IReadOnlyDictionary<string, long[]> Shapes { get; init; } = new Dictionary<string, long[]>();

    /// <summary>Inputs filled with one constant value instead of random data (e.g. a sample rate).</summary>
    public IReadOnlyDictionary<string, double> Fill { get; init; } = new Dictionary<string, double>();

    /// <summary>Seed of the generated input data: the same seed gives the same inputs.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Runs profiled with ORT's profiler after the timed ones, in their own session, to report where the time goes per
    /// operator type and node; 0 profiles one run only for the placement.
    /// </summary>
    public int ProfileRuns { get; init; }
}
