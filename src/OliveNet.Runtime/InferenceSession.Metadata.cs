using OliveNet.Runtime.Interop;

namespace OliveNet.Runtime;

public sealed unsafe partial class InferenceSession
{
    private (NodeMetadata[] Inputs, NodeMetadata[] Outputs) ReadMetadata()
    {
        var session = handle.DangerousGetHandle();
        nuint inputs, outputs;
        OrtStatus.Check(OrtApi.SessionGetInputCount(session, &inputs));
        OrtStatus.Check(OrtApi.SessionGetOutputCount(session, &outputs));
        var inputList = new NodeMetadata[(int)inputs];
        for (nuint i = 0; i < inputs; i++)
        {
            byte* name;
            OrtStatus.Check(OrtApi.SessionGetInputName(session, i, OrtAllocator.Default, &name));
            var text = Utf8.ReadAndFree(name);
            nint info;
            OrtStatus.Check(OrtApi.SessionGetInputTypeInfo(session, i, &info));
            inputList[(int)i] = Describe(text, info);
        }

        var outputList = new NodeMetadata[(int)outputs];
        for (nuint i = 0; i < outputs; i++)
        {
            byte* name;
            OrtStatus.Check(OrtApi.SessionGetOutputName(session, i, OrtAllocator.Default, &name));
            var text = Utf8.ReadAndFree(name);
            nint info;
            OrtStatus.Check(OrtApi.SessionGetOutputTypeInfo(session, i, &info));
            outputList[(int)i] = Describe(text, info);
        }

        return (inputList, outputList);
    }

    /// <summary>Builds metadata from a type info, taking ownership of (and releasing) <paramref name="typeInfo"/>.</summary>
    private static NodeMetadata Describe(string name, nint typeInfo)
    {
        using var owned = new TypeInfoHandle(typeInfo);
        int onnxType;
        OrtStatus.Check(OrtApi.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType));
        var valueType = (OnnxValueType)onnxType;
        if (valueType is not (OnnxValueType.Tensor or OnnxValueType.SparseTensor))
        {
            return new NodeMetadata(name, valueType, TensorElementType.Undefined, [], []);
        }

        nint tensorInfo; // borrowed from typeInfo
        OrtStatus.Check(OrtApi.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
        int elementType;
        OrtStatus.Check(OrtApi.GetTensorElementType(tensorInfo, &elementType));
        var dims = OrtValue.ReadDimensions(tensorInfo);
        var symbols = new nint[dims.Length];
        var symbolic = new string[dims.Length];
        fixed (nint* p = symbols)
        {
            OrtStatus.Check(OrtApi.GetSymbolicDimensions(tensorInfo, (byte**)p, (nuint)dims.Length));
        }

        for (var i = 0; i < dims.Length; i++)
        {
            symbolic[i] = symbols[i] == 0 ? string.Empty : Utf8.Read((byte*)symbols[i]);
        }

        return new NodeMetadata(name, valueType, (TensorElementType)elementType, dims, symbolic);
    }
}
