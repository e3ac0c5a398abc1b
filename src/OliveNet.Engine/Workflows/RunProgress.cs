namespace OliveNet.Engine.Workflows;

/// <summary>
/// Reports long steps (evaluations, downloads, calibration loops) to the observer of the run in progress, without
/// threading it through every signature: <see cref="WorkflowRunner"/> installs the observer for the run's logical
/// call context (flows into tasks), and loops anywhere below report through <see cref="Step"/>. Outside a run, or with
/// no observer, steps cost nothing.
/// </summary>
public static class RunProgress
{
    private static readonly AsyncLocal<IRunObserver?> Current = new();
    private static long _next;

    /// <summary>Sends the steps of this logical call context to <paramref name="observer"/> until disposed.</summary>
    public static IDisposable Observe(IRunObserver? observer)
    {
        var previous = Current.Value;
        Current.Value = observer;
        return new Restore(previous);
    }

    /// <summary>Starts a step; dispose it when the step ends. <paramref name="total"/>: the loop's item count, if known.</summary>
    public static ProgressStep Step(string description, int? total = null) =>
        Current.Value is { } observer ? new ProgressStep(observer, Interlocked.Increment(ref _next), description, total) : ProgressStep.None;

    private sealed class Restore(IRunObserver? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}

/// <summary>One running step of <see cref="RunProgress"/>; <see cref="Advance"/> after each item. Thread-safe.</summary>
public sealed class ProgressStep : IDisposable
{
    internal static readonly ProgressStep None = new(null, 0, string.Empty, null);

    private readonly IRunObserver? _observer;
    private readonly long _id;
    private int _done;
    private int _finished;

    internal ProgressStep(IRunObserver? observer, long id, string description, int? total)
    {
        (_observer, _id) = (observer, id);
        _observer?.StepStarted(id, description, total);
    }

    /// <summary>One more item is done.</summary>
    public void Advance() => _observer?.StepAdvanced(_id, Interlocked.Increment(ref _done));

    public void Dispose()
    {
        if (_observer is not null && Interlocked.Exchange(ref _finished, 1) == 0)
        {
            _observer.StepFinished(_id);
        }
    }
}
