using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>How an <see cref="ActivationTarget"/>'s output gets its quantization parameters.</summary>
internal enum OutputParams
{
    /// <summary>Calibrated like its inputs.</summary>
    Calibrated,

    /// <summary>Fixed by the op's value range (Softmax: [0, 1] in steps of 1/256).</summary>
    Fixed,

    /// <summary>The same as input 0's (Reshape, MaxPool, …: the op moves or selects values, it does not change them).</summary>
    SameAsInput,
}

/// <summary>
/// A quantized op without a weight: the inputs that are read quantized (constants among them are quantized from their
/// own values with the activation type, as ONNX Runtime does) and where its output's parameters come from.
/// </summary>
internal sealed record ActivationTarget(NodeProto Node, int[] Inputs, OutputParams Output);
