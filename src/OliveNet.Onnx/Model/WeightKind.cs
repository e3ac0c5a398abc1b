namespace OliveNet.Onnx;

/// <summary>Where a weight tensor lives in the graph.</summary>
public enum WeightKind
{
    /// <summary>In <c>graph.initializer</c>.</summary>
    Initializer,
    /// <summary>In an attribute of a <c>Constant</c> node.</summary>
    ConstantNode,
    /// <summary>The values of a <c>graph.sparse_initializer</c> entry.</summary>
    SparseInitializer,
}
