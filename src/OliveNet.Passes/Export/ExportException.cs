namespace OliveNet.Passes.Export;

/// <summary>A checkpoint cannot be exported; the message says which file or field and what to do.</summary>
public sealed class ExportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExportException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ExportException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ExportException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
