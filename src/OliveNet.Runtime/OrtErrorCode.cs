namespace OliveNet.Runtime;

/// <summary>ONNX Runtime's <c>OrtErrorCode</c>, value for value.</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail,
    InvalidArgument,
    NoSuchFile,
    NoModel,
    EngineError,
    RuntimeException,
    InvalidProtobuf,
    ModelLoaded,
    NotImplemented,
    InvalidGraph,
    EpFail,
    ModelLoadCanceled,
    ModelRequiresCompilation,
    NotFound,
}
