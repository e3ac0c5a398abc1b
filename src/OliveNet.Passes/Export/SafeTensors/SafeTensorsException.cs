namespace OliveNet.Passes.Export.SafeTensors;

/// <summary>A safetensors file or checkpoint folder is malformed or lacks a tensor; the message names the file and what is wrong.</summary>
public sealed class SafeTensorsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SafeTensorsException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SafeTensorsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public SafeTensorsException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
