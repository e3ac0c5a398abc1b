namespace OliveNet.Runtime;

/// <summary>ONNX Runtime's <c>ONNXType</c>, value for value.</summary>
public enum OnnxValueType
{
    Unknown = 0,
    Tensor = 1,
    Sequence = 2,
    Map = 3,
    Opaque = 4,
    SparseTensor = 5,
    Optional = 6,
}
