namespace OliveNet.Runtime;

/// <summary>An error reported by ONNX Runtime (every <c>OrtStatus</c>), or a failure to find or load it.</summary>
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

    /// <summary>ORT's error code; <see cref="OrtErrorCode.Fail"/> for errors raised by this binding without one.</summary>
    public OrtErrorCode Code { get; }
}
