namespace OliveNet.Runtime.Generation;

/// <summary>A model folder or generation request is unusable; the message says what, where and what to do.</summary>
public sealed class GenerationException : Exception
{
    /// <summary>Creates the exception with a complete message.</summary>
    public GenerationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a complete message and its cause.</summary>
    public GenerationException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates an exception with no message (required by the analyzers; prefer the other constructors).</summary>
    public GenerationException()
    {
    }
}
