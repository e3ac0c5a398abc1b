using System.Globalization;
using Ort = Microsoft.ML.OnnxRuntime;

namespace OliveNet.Runtime;

/// <summary>
/// Options for creating an <see cref="InferenceSession"/>: OliveNet's seam over the official
/// <c>Microsoft.ML.OnnxRuntime.SessionOptions</c>, so passes and evaluation never configure ORT directly. Every setter
/// and method calls ONNX Runtime immediately, so an invalid value fails here, not at session creation. One instance may
/// configure several sessions; dispose it when done (sessions do not keep it alive).
/// </summary>
/// <remarks>Defaults are ORT's: optimization level <see cref="GraphOptimizationLevel.All"/>, sequential execution,
/// thread counts chosen by ORT, CPU execution provider only.</remarks>
public sealed partial class SessionOptions : IDisposable
{
    private readonly List<string> executionProviders = [];
    private GraphOptimizationLevel optimizationLevel = GraphOptimizationLevel.All;
    private int intraOpThreads;
    private int interOpThreads;
    private bool parallelExecution;
    private int logSeverity = 2;

    /// <exception cref="OrtException">ONNX Runtime cannot be loaded.</exception>
    public SessionOptions() => Inner = OrtCall.Checked(() => new Ort.SessionOptions(), "Cannot create session options");

    /// <summary>Graph optimizations applied when a session is created.</summary>
    public GraphOptimizationLevel OptimizationLevel
    {
        get => optimizationLevel;
        set
        {
            OrtCall.Checked(() => Open.GraphOptimizationLevel = (Ort.GraphOptimizationLevel)(int)value, $"Cannot set optimization level {value}");
            optimizationLevel = value;
        }
    }

    /// <summary>Threads used inside one operator; 0 lets ORT choose (one per physical core).</summary>
    public int IntraOpThreads
    {
        get => intraOpThreads;
        set
        {
            OrtCall.Checked(() => Open.IntraOpNumThreads = value, $"Cannot set {nameof(IntraOpThreads)} to {value}");
            intraOpThreads = value;
        }
    }

    /// <summary>Threads used to run independent operators in parallel (only with <see cref="ParallelExecution"/>); 0 lets ORT choose.</summary>
    public int InterOpThreads
    {
        get => interOpThreads;
        set
        {
            OrtCall.Checked(() => Open.InterOpNumThreads = value, $"Cannot set {nameof(InterOpThreads)} to {value}");
            interOpThreads = value;
        }
    }

    /// <summary>False (default): operators run one after another. True: independent branches run in parallel.</summary>
    public bool ParallelExecution
    {
        get => parallelExecution;
        set
        {
            OrtCall.Checked(
                () => Open.ExecutionMode = value ? Ort.ExecutionMode.ORT_PARALLEL : Ort.ExecutionMode.ORT_SEQUENTIAL,
                "Cannot set the execution mode");
            parallelExecution = value;
        }
    }

    /// <summary>Execution providers appended so far, in priority order (CPU is implicit and always last).</summary>
    public IReadOnlyList<string> ExecutionProviders => executionProviders;

    internal Ort.SessionOptions Inner { get; }

    private Ort.SessionOptions Open
    {
        get
        {
            ObjectDisposedException.ThrowIf(Inner.IsClosed, this);
            return Inner;
        }
    }

    /// <summary>
    /// Offline optimization: when a session is created with these options, ORT writes the optimized model to
    /// <paramref name="path"/> (use <see cref="GraphOptimizationLevel.Basic"/> or <see cref="GraphOptimizationLevel.Extended"/> for a
    /// portable file; <c>All</c>/<c>Layout</c> may write hardware-specific ops).
    /// </summary>
    public void SetOptimizedModelFilePath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        OrtCall.Checked(() => Open.OptimizedModelFilePath = path, $"Cannot set optimized model path '{path}'");
    }

    /// <summary>
    /// Offline optimization for big models: as <see cref="SetOptimizedModelFilePath(string)"/>, with every initializer of
    /// at least <paramref name="minExternalBytes"/> bytes written to <paramref name="externalDataFileName"/> (a file name
    /// beside <paramref name="path"/>) instead of inline, so the result may exceed protobuf's 2 GB limit.
    /// </summary>
    public void SetOptimizedModelFilePath(string path, string externalDataFileName, long minExternalBytes = 1024)
    {
        ArgumentException.ThrowIfNullOrEmpty(externalDataFileName);
        ArgumentOutOfRangeException.ThrowIfNegative(minExternalBytes);
        SetOptimizedModelFilePath(path);
        AddConfigEntry("session.optimized_model_external_initializers_file_name", externalDataFileName);
        AddConfigEntry(
            "session.optimized_model_external_initializers_min_size_in_bytes",
            minExternalBytes.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Fixes the symbolic dimension named <paramref name="dimName"/> (a <c>dim_param</c> such as "batch") to <paramref name="value"/>.</summary>
    public void AddFreeDimensionOverride(string dimName, long value)
    {
        ArgumentException.ThrowIfNullOrEmpty(dimName);
        OrtCall.Checked(() => Open.AddFreeDimensionOverrideByName(dimName, value), $"Cannot override free dimension '{dimName}'");
    }

    /// <summary>
    /// Turns on profiling; each session writes <c>{filePrefix}_{timestamp}.json</c> (Chrome trace format), finalized by
    /// <see cref="InferenceSession.EndProfiling"/>. A relative prefix is relative to the current directory.
    /// </summary>
    public void EnableProfiling(string filePrefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePrefix);
        OrtCall.Checked(
            () =>
            {
                Open.ProfileOutputPathPrefix = filePrefix;
                Open.EnableProfiling = true;
            },
            $"Cannot enable profiling with prefix '{filePrefix}'");
    }

    /// <summary>
    /// Adds a session config entry (see ORT's <c>onnxruntime_session_options_config_keys.h</c>), e.g.
    /// <c>session.optimized_model_external_initializers_file_name</c>. ORT checks values of keys it parses
    /// when the session is created, so a bad value may only fail then.
    /// </summary>
    public void AddConfigEntry(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        OrtCall.Checked(() => Open.AddSessionConfigEntry(key, value), $"Cannot set session config entry '{key}' = '{value}'");
    }

    /// <summary>Minimum severity of ORT log messages for sessions made with these options: 0 verbose, 1 info, 2 warning, 3 error, 4 fatal.</summary>
    public void SetLogSeverity(int level)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(level, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 4);
        OrtCall.Checked(() => Open.LogSeverityLevel = (Ort.OrtLoggingLevel)level, $"Cannot set log severity {level}");
        logSeverity = level;
    }

    /// <summary>The level last set with <see cref="SetLogSeverity"/> (ORT's default is 2, warning).</summary>
    public int LogSeverity => logSeverity;

    public void Dispose() => Inner.Dispose();
}
