namespace OliveNet.Engine.Workflows;

/// <summary>
/// Hears about a run as it happens, e.g. to draw live progress on a terminal: passes, and the long steps inside them and
/// around them (evaluations, downloads, calibration) that <see cref="RunProgress"/> reports. Called from the running
/// thread (steps may come from worker threads); implementations must be thread-safe and must not throw.
/// </summary>
public interface IRunObserver
{
    /// <summary>A pass is about to be looked up in the cache and run if needed.</summary>
    void PassStarted(int index, int count, string name, string type);

    /// <summary>The pass finished (or was reused from the cache).</summary>
    void PassFinished(string name, string type, bool cached);

    /// <summary>A long step began; <paramref name="total"/> is its item count when the loop knows it (then an ETA is possible).</summary>
    /// <param name="step">Identifies the step in <see cref="StepAdvanced"/> and <see cref="StepFinished"/>; unique while it runs.</param>
    void StepStarted(long step, string description, int? total)
    {
    }

    /// <summary><paramref name="done"/> items of the step are finished.</summary>
    void StepAdvanced(long step, int done)
    {
    }

    /// <summary>The step ended (completed, failed or cancelled).</summary>
    void StepFinished(long step)
    {
    }
}
