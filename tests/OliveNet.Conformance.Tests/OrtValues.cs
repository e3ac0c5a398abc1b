using OliveNet.Onnx;
using OliveNet.Runtime;

namespace OliveNet.Conformance.Tests;

/// <summary>Turns test values into ONNX Runtime values through our binding.</summary>
public static class OrtValues
{
    /// <summary>Creates the value; every created value is added to <paramref name="owned"/> for disposal. None → null (input omitted).</summary>
    public static OrtValue? Create(TestValue value, List<OrtValue> owned)
    {
        OrtValue? created = value switch
        {
            TensorValue t => CreateTensor(t),
            SequenceValue s => OrtValue.CreateSequence(s.Items.Select(item => Create(item, owned)
                ?? throw new NotSupportedException("a sequence of None values")).ToList()),
            OptionalValue o => o.Value is null ? null : Create(o.Value, owned),
            _ => throw new NotSupportedException(value.GetType().Name),
        };
        if (created is not null && value is not OptionalValue)
        {
            owned.Add(created);
        }

        return created;
    }

    private static OrtValue CreateTensor(TensorValue value)
    {
        var tensor = value.Tensor;
        var dims = tensor.Dims.ToArray();
        if ((OnnxDataType)tensor.DataType == OnnxDataType.String)
        {
            return OrtValue.CreateStringTensor(TensorData.ReadStrings(tensor), dims);
        }

        var bytes = TensorData.ReadRawBytes(tensor, baseDirectory: null);
        return OrtValue.CreateTensor((TensorElementType)tensor.DataType, bytes, dims);
    }
}
