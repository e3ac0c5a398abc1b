namespace OliveNet.Passes.Gguf;

/// <summary>A file is not a valid GGUF file (truncated, corrupt, or not GGUF); the message names the file and what is wrong.</summary>
public sealed class GgufFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GgufFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public GgufFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public GgufFormatException()
    {
    }
}
