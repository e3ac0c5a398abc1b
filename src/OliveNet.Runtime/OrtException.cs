namespace OliveNet.Runtime;

/// <summary>An error reported by ONNX Runtime, or a failure to load it. Every ORT error surfaces as this type so the
/// engine and passes never depend on the official package's exception type.</summary>
public sealed class OrtException : Exception
{
    public OrtException()
        : this(OrtErrorCode.Fail, "ONNX Runtime failed.")
    {
    }

    public OrtException(string message)
        : this(OrtErrorCode.Fail, message)
    {
    }

    public OrtException(string message, Exception innerException)
        : base(message, innerException) => Code = OrtErrorCode.Fail;

    public OrtException(OrtErrorCode code, string message)
        : base(message) => Code = code;

    /// <summary>ORT's error code; <see cref="OrtErrorCode.Fail"/> for errors raised by OliveNet without one.</summary>
    public OrtErrorCode Code { get; }
}
