namespace OliveNet.Runtime;

/// <summary>ONNX Runtime's <c>GraphOptimizationLevel</c>, value for value.</summary>
public enum GraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    Layout = 3,
    All = 99,
}
