namespace OliveNet.Runtime;

/// <summary>An input or output of a session as ORT sees it after loading (and after free-dimension overrides).</summary>
/// <param name="Name">The graph input/output name.</param>
/// <param name="ValueType">Tensor, sequence, map, …</param>
/// <param name="ElementType">Element type for tensors; <see cref="TensorElementType.Undefined"/> otherwise.</param>
/// <param name="Shape">Dimensions; -1 where the dimension is dynamic. Empty for scalars and non-tensors.</param>
/// <param name="SymbolicDims">The <c>dim_param</c> name per dimension; "" where there is none.</param>
public sealed record NodeMetadata(
    string Name,
    OnnxValueType ValueType,
    TensorElementType ElementType,
    IReadOnlyList<long> Shape,
    IReadOnlyList<string> SymbolicDims);
