namespace OliveNet.Engine.Workflows;

/// <summary>How to run a recipe, beyond what the recipe says.</summary>
public sealed record RunSettings
{
    /// <summary>Run passes whose last run failed again (default) instead of reporting the recorded failure.</summary>
    public bool RetryFailed { get; init; } = true;

    /// <summary>Where progress lines go (stderr in the CLI).</summary>
    public TextWriter Progress { get; init; } = TextWriter.Null;

    /// <summary>Told when each pass starts and finishes; null = nobody.</summary>
    public IRunObserver? Observer { get; init; }
}
