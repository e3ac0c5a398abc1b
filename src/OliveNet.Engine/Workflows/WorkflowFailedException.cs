namespace OliveNet.Engine.Workflows;

/// <summary>A run stopped: a pass failed, or the input could not be used. The message names the step and the reason.</summary>
public sealed class WorkflowFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkflowFailedException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
