using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>
/// One Conv/MatMul/Gemm the rewriter quantizes: its constant weight, the weight's channel axis for per-channel scales,
/// and the Relu/Clip after it that goes away (the output Q clamps instead), if any.
/// </summary>
internal sealed record QdqTarget(NodeProto Node, TensorProto Weight, GraphView WeightOwner, int ChannelAxis, NodeProto? RemovedActivation)
{
    /// <summary>The float activation the node reads.</summary>
    public string Input => Node.Input[0];

    /// <summary>The tensor whose range the output Q uses: the removed activation's output, else the node's.</summary>
    public string Output => RemovedActivation?.Output[0] ?? Node.Output[0];
}
