namespace OliveNet.Engine.Passes;

/// <summary>A pass could not transform its input. In a search the candidate is pruned; in a fixed plan the run fails.</summary>
public sealed class PassFailedException : Exception
{
    /// <summary>Creates the exception with a message saying what failed and why.</summary>
    public PassFailedException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
