using OliveNet.Onnx.Protos;

namespace OliveNet.Conformance.Tests;

/// <summary>A value from a test data set file: a tensor, a sequence of values, or an optional value.</summary>
public abstract record TestValue
{
    /// <summary>Reads <c>input_N.pb</c>/<c>output_N.pb</c>; the graph's declared type says which message it holds.</summary>
    public static TestValue Read(string path, TypeProto type)
    {
        var bytes = File.ReadAllBytes(path);
        return type.ValueCase switch
        {
            TypeProto.ValueOneofCase.TensorType => new TensorValue(AsDeclared(TensorProto.Parser.ParseFrom(bytes), type.TensorType.ElemType)),
            TypeProto.ValueOneofCase.SequenceType => FromSequence(SequenceProto.Parser.ParseFrom(bytes)),
            TypeProto.ValueOneofCase.OptionalType => FromOptional(OptionalProto.Parser.ParseFrom(bytes)),
            _ => throw new NotSupportedException($"{path}: values of type {type.ValueCase} are not read by the conformance runner"),
        };
    }

    /// <summary>
    /// numpy has no bfloat16, so the ONNX test data stores bfloat16 tensors as uint16 bit patterns;
    /// the graph's declared type says how to read them, as the ONNX backend runner does.
    /// </summary>
    private static TensorProto AsDeclared(TensorProto tensor, int declared)
    {
        if (declared == (int)TensorProto.Types.DataType.Bfloat16 && tensor.DataType == (int)TensorProto.Types.DataType.Uint16)
        {
            tensor.DataType = declared;
        }

        return tensor;
    }

    private static SequenceValue FromSequence(SequenceProto s) => new(
        s.TensorValues.Select(t => (TestValue)new TensorValue(t))
            .Concat(s.SequenceValues.Select(FromSequence))
            .Concat(s.OptionalValues.Select(FromOptional))
            .ToList());

    private static OptionalValue FromOptional(OptionalProto o) => new(o switch
    {
        { TensorValue: not null } => new TensorValue(o.TensorValue),
        { SequenceValue: not null } => FromSequence(o.SequenceValue),
        { OptionalValue: not null } => FromOptional(o.OptionalValue),
        _ => null,
    });
}

/// <summary>A tensor.</summary>
public sealed record TensorValue(TensorProto Tensor) : TestValue;

/// <summary>A sequence of values.</summary>
public sealed record SequenceValue(IReadOnlyList<TestValue> Items) : TestValue;

/// <summary>An optional value; <c>Value</c> is null for None.</summary>
public sealed record OptionalValue(TestValue? Value) : TestValue;
