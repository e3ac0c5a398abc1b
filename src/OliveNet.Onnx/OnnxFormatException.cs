namespace OliveNet.Onnx;

/// <summary>
/// A problem with a model file or its external data. The message says what is wrong, where
/// (file, tensor or node) and what to do about it.
/// </summary>
public sealed class OnnxFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OnnxFormatException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public OnnxFormatException()
        : base("The ONNX model is invalid.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public OnnxFormatException(string message)
        : base(message)
    {
    }

    /// <summary>The file (model or external data) the problem is in, when known.</summary>
    public string? Path { get; init; }
}
