namespace OliveNet.Engine.Workflows;

/// <summary>Hears about pass runs as they happen, e.g. to draw a live progress line on a terminal.</summary>
public interface IRunObserver
{
    /// <summary>A pass is about to be looked up in the cache and run if needed.</summary>
    void PassStarted(int index, int count, string name, string type);

    /// <summary>The pass finished (or was reused from the cache).</summary>
    void PassFinished(string name, string type, bool cached);
}
