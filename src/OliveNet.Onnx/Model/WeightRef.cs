namespace OliveNet.Onnx;

/// <summary>
/// One weight tensor of a model. <paramref name="Tensor"/> is the live proto: editing it edits the model.
/// For <c>value_float(s)</c>/<c>value_int(s)</c> Constant attributes it is a detached tensor built from them.
/// </summary>
/// <param name="Name">Value name the weight produces.</param>
/// <param name="Tensor">The tensor proto.</param>
/// <param name="Kind">Where it lives.</param>
/// <param name="Graph">The graph that holds it.</param>
/// <param name="ConstantNode">The Constant node for <see cref="WeightKind.ConstantNode"/>, else null.</param>
public sealed record WeightRef(string Name, Protos.TensorProto Tensor, WeightKind Kind, GraphView Graph, Protos.NodeProto? ConstantNode);
