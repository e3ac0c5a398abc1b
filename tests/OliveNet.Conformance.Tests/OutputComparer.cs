using OliveNet.Onnx;
using OliveNet.Runtime;

namespace OliveNet.Conformance.Tests;

/// <summary>Compares an ONNX Runtime output with the expected value of a test data set.</summary>
public static class OutputComparer
{
    /// <summary>Throws with a message naming <paramref name="where"/> and the first difference beyond atol + rtol·|expected|.</summary>
    public static void AssertEqual(TestValue expected, OrtValue actual, string where, double absoluteTolerance)
    {
        switch (expected)
        {
            case OptionalValue { Value: null }:
                // A None output has no contents to compare; ORT hands back an empty optional value.
                return;
            case OptionalValue { Value: { } inner }:
                AssertEqual(inner, actual, where, absoluteTolerance);
                return;
            case SequenceValue sequence:
                using (var items = actual.GetSequenceElements())
                {
                    Check(items.Count == sequence.Items.Count, where, $"sequence length {items.Count}, expected {sequence.Items.Count}");
                    for (var i = 0; i < items.Count; i++)
                    {
                        AssertEqual(sequence.Items[i], items[i], $"{where}[{i}]", absoluteTolerance);
                    }
                }

                return;
            case TensorValue tensor:
                AssertTensor(tensor, actual, where, absoluteTolerance);
                return;
            default:
                throw new NotSupportedException(expected.GetType().Name);
        }
    }

    private static void AssertTensor(TensorValue expected, OrtValue actual, string where, double absoluteTolerance)
    {
        var proto = expected.Tensor;
        var type = (OnnxDataType)proto.DataType;
        Check((int)actual.ElementType == proto.DataType, where, $"element type {actual.ElementType}, expected {type}");
        var shape = actual.Shape;
        Check(shape.SequenceEqual(proto.Dims), where, $"shape [{string.Join(",", shape)}], expected [{string.Join(",", proto.Dims)}]");

        if (type == OnnxDataType.String)
        {
            var want = TensorData.ReadStrings(proto);
            var got = actual.GetStrings();
            for (var i = 0; i < want.Length; i++)
            {
                Check(string.Equals(want[i], got[i], StringComparison.Ordinal), where, $"element {i} is '{got[i]}', expected '{want[i]}'");
            }

            return;
        }

        var count = TensorData.ElementCount(proto);
        var expectedValues = ValueDecoder.ToDoubles(type, TensorData.ReadRawBytes(proto, baseDirectory: null), count);
        var actualValues = ValueDecoder.ToDoubles(type, actual.GetTensorBytes(), count);
        var tolerant = ValueDecoder.IsFloatingPoint(type);
        for (var i = 0; i < count; i++)
        {
            double e = expectedValues[i], a = actualValues[i];
            var same = tolerant
                ? (double.IsNaN(e) && double.IsNaN(a)) || e.Equals(a)
                  || Math.Abs(a - e) <= absoluteTolerance + (ConformanceRunner.RelativeTolerance * Math.Abs(e))
                : e.Equals(a);
            Check(same, where, $"element {i} is {a:R}, expected {e:R}");
        }
    }

    private static void Check(bool condition, string where, string message)
    {
        if (!condition)
        {
            throw new Xunit.Sdk.XunitException($"{where}: {message}");
        }
    }
}
