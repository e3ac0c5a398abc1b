using OliveNet.Engine.Workflows;

namespace OliveNet.Cli.Output;

/// <summary>
/// Where a long command's progress goes on stderr: a live display on an interactive terminal (<see cref="LiveProgress"/>),
/// plain timestamped lines in logs and under <c>CI=true</c> (<see cref="PlainProgress"/>), or nearly nothing with
/// <c>--quiet</c>. <see cref="Log"/> takes the engine's progress lines; the observer members take passes and steps.
/// </summary>
internal abstract class ProgressView : IRunObserver, IDisposable
{
    private int _passesFinished;

    /// <summary>The engine's progress lines (RunSettings.Progress).</summary>
    public abstract TextWriter Log { get; }

    /// <summary>Passes finished in this run (run or reused): their results are in the cache, so a rerun resumes after them.</summary>
    public int PassesFinished => Volatile.Read(ref _passesFinished);

    /// <summary>Whether stderr is an interactive terminal (not redirected, not a CI job), where a live display makes sense.</summary>
    public static bool Interactive => !Console.IsErrorRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>The view for <paramref name="error"/>: live only when it is the process's own stderr on a terminal.</summary>
    public static ProgressView Create(TextWriter error, Verbosity level) =>
        level != Verbosity.Quiet && error == Console.Error && Interactive ? new LiveProgress(level) : new PlainProgress(error, level);

    /// <summary>Runs <paramref name="work"/> while the view is shown (the live display needs to own the terminal meanwhile).</summary>
    public virtual T Show<T>(Func<T> work) => work();

    public virtual void PassStarted(int index, int count, string name, string type)
    {
    }

    public virtual void PassFinished(string name, string type, bool cached) => Interlocked.Increment(ref _passesFinished);

    public virtual void StepStarted(long step, string description, int? total)
    {
    }

    public virtual void StepAdvanced(long step, int done)
    {
    }

    public virtual void StepFinished(long step)
    {
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
