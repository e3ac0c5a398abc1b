using Ort = Microsoft.ML.OnnxRuntime;

namespace OliveNet.Runtime;

public sealed partial class InferenceSession
{
    private (NodeMetadata[] Inputs, NodeMetadata[] Outputs) ReadMetadata()
    {
        var inputs = session.InputNames.Select(name => Describe(name, session.InputMetadata[name])).ToArray();
        var outputs = session.OutputNames.Select(name => Describe(name, session.OutputMetadata[name])).ToArray();
        return (inputs, outputs);
    }

    private static NodeMetadata Describe(string name, Ort.NodeMetadata meta)
    {
        var valueType = (OnnxValueType)(int)meta.OnnxValueType;
        if (valueType is not (OnnxValueType.Tensor or OnnxValueType.SparseTensor))
        {
            return new NodeMetadata(name, valueType, TensorElementType.Undefined, [], []);
        }

        var dims = meta.Dimensions.Select(d => (long)d).ToArray();
        var symbolic = meta.SymbolicDimensions.Select(s => s ?? string.Empty).ToArray();
        return new NodeMetadata(name, valueType, (TensorElementType)(int)meta.ElementDataType, dims, symbolic);
    }
}
