using System.Globalization;
using System.Runtime.InteropServices;

namespace OliveNet.Runtime.Tests;

public class OrtValueTests
{
    private static readonly long[] AddShape = [3, 4, 5];

    [Fact]
    public void A_tensor_over_managed_memory_is_not_copied()
    {
        using var session = new InferenceSession(Fixtures.Node("test_add"));
        var x = new float[60];
        var y = new float[60];
        using var xv = OrtValue.CreateTensor<float>(x, AddShape);
        using var yv = OrtValue.CreateTensor<float>(y, AddShape);

        // Written after the tensors were created: visible to ORT only if the tensors alias the arrays.
        x[7] = 3f;
        y[7] = 4f;
        using var outputs = session.Run([new("x", xv), new("y", yv)]);

        Assert.Equal(7f, outputs[0].GetTensorData<float>()[7]);
        Assert.Equal(3f, xv.GetTensorData<float>()[7]);
    }

    [Fact]
    public void Element_type_and_shape_follow_the_clr_type()
    {
        using var b = OrtValue.CreateTensor<bool>(new[] { true, false, true, true }, [2, 2]);
        using var l = OrtValue.CreateTensor<long>(new long[] { long.MinValue, 0, long.MaxValue }, [3]);
        using var h = OrtValue.CreateTensor<Half>(new[] { (Half)1.5f }, []);

        Assert.Equal(OnnxValueType.Tensor, b.ValueType);
        Assert.Equal(TensorElementType.Bool, b.ElementType);
        Assert.Equal([2L, 2], b.Shape);
        Assert.Equal([true, false, true, true], b.GetTensorData<bool>().ToArray());
        Assert.Equal(TensorElementType.Int64, l.ElementType);
        Assert.Equal(long.MaxValue, l.GetTensorData<long>()[2]);
        Assert.Equal(TensorElementType.Float16, h.ElementType);
        Assert.Empty(h.Shape);
        Assert.Equal(1, h.ElementCount);
    }

    [Fact]
    public void Float16_raw_bytes_are_read_by_a_cast_model()
    {
        using var session = new InferenceSession(Fixtures.Node("test_cast_FLOAT16_to_FLOAT"));
        var shape = session.Inputs[0].Shape.ToArray();
        var count = (int)shape.Aggregate(1L, (a, d) => a * d);
        var halves = Enumerable.Range(0, count).Select(i => (Half)((i - 5) * 0.125f)).ToArray();
        var raw = MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
        using var input = OrtValue.CreateTensor(TensorElementType.Float16, raw, shape);

        using var outputs = session.Run([new(session.Inputs[0].Name, input)]);

        // Multiples of 1/8 below 2^11 are exact in both half and float.
        Assert.Equal(halves.Select(h => (float)h).ToArray(), outputs[0].GetTensorData<float>().ToArray());
    }

    [Fact]
    public void BFloat16_raw_bytes_are_read_by_a_cast_model()
    {
        using var session = new InferenceSession(Fixtures.Node("test_cast_BFLOAT16_to_FLOAT"));
        var shape = session.Inputs[0].Shape.ToArray();
        var count = (int)shape.Aggregate(1L, (a, d) => a * d);
        var floats = Enumerable.Range(0, count).Select(i => (i - 6) * 0.5f).ToArray();
        // bfloat16 is the upper half of a float32; these values have no bits in the lower half.
        var raw = floats.SelectMany(f => BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(f) >> 16))).ToArray();
        using var input = OrtValue.CreateTensor(TensorElementType.BFloat16, raw, shape);

        using var outputs = session.Run([new(session.Inputs[0].Name, input)]);

        Assert.Equal(floats, outputs[0].GetTensorData<float>().ToArray());
        Assert.Equal(raw, input.GetTensorBytes().ToArray());
    }

    [Fact]
    public void Four_bit_tensors_are_refused_with_a_clear_reason()
    {
        // The official C# API (1.32) has no element size for 4-bit types, so it cannot wrap their packed bytes.
        var e = Assert.Throws<NotSupportedException>(() => OrtValue.CreateTensor(TensorElementType.Int4, new byte[] { 0x21, 0x43, 0x05 }, [5]));
        Assert.Contains("4-bit", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => OrtValue.CreateTensor(TensorElementType.Int4, new byte[2], [5]));
    }

    [Fact]
    public void Strings_round_trip_through_a_tensor()
    {
        string[] strings = ["", "plain", "naïve ☃", "two\nlines"];
        using var value = OrtValue.CreateStringTensor(strings, [2, 2]);

        Assert.Equal(TensorElementType.String, value.ElementType);
        Assert.Equal(strings, value.GetStrings());
    }

    [Fact]
    public void String_tensors_go_into_and_come_out_of_cast_models()
    {
        using var toFloat = new InferenceSession(Fixtures.Node("test_cast_STRING_to_FLOAT"));
        using var toString = new InferenceSession(Fixtures.Node("test_cast_FLOAT_to_STRING"));
        var numbers = Enumerable.Range(0, 12).Select(i => (i * 0.75f) - 4f).ToArray();
        var text = numbers.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray();
        using var strings = OrtValue.CreateStringTensor(text, [3, 4]);

        using var parsed = toFloat.Run([new("input", strings)]);
        Assert.Equal(numbers, parsed[0].GetTensorData<float>().ToArray());

        using var printed = toString.Run([new("input", parsed[0])]);
        var back = printed[0].GetStrings();
        Assert.Equal(12, back.Length);
        Assert.Equal(numbers, back.Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray());
    }

    [Fact]
    public void A_sequence_round_trips_through_an_identity_model()
    {
        using var session = new InferenceSession(Fixtures.Node("test_identity_sequence"));
        var first = new float[] { 1, 2, 3, 4 };
        var second = new float[] { -1, -2, -3, -4, -5, -6 };
        using var a = OrtValue.CreateTensor<float>(first, [2, 2]);
        using var b = OrtValue.CreateTensor<float>(second, [2, 3]);
        using var sequence = OrtValue.CreateSequence([a, b]);

        using var outputs = session.Run([new("x", sequence)]);

        Assert.Equal(OnnxValueType.Sequence, outputs[0].ValueType);
        using var elements = outputs[0].GetSequenceElements();
        Assert.Equal(2, elements.Count);
        Assert.Equal([2L, 2], elements[0].Shape);
        Assert.Equal(first, elements[0].GetTensorData<float>().ToArray());
        Assert.Equal([2L, 3], elements[1].Shape);
        Assert.Equal(second, elements[1].GetTensorData<float>().ToArray());
    }

    [Fact]
    public void A_sequence_copies_its_elements_and_outlives_them()
    {
        var data = new long[] { 1, 2, 3 };
        var element = OrtValue.CreateTensor<long>(data, [3]);
        using var sequence = OrtValue.CreateSequence([element]);

        // The official API takes ownership of what it is given, so the sequence holds copies of the caller's elements.
        data[0] = 99;
        element.Dispose();
        GC.Collect();

        using var elements = sequence.GetSequenceElements();
        Assert.Equal([1L, 2, 3], elements[0].GetTensorData<long>().ToArray());
    }

    [Fact]
    public void Sequence_insert_model_appends_a_tensor()
    {
        using var session = new InferenceSession(Fixtures.Node("test_sequence_insert_at_back"));
        using var a = OrtValue.CreateTensor<long>(new long[] { 1, 2, 3 }, [3]);
        using var b = OrtValue.CreateTensor<long>(new long[] { 4, 5, 6 }, [3]);
        using var sequence = OrtValue.CreateSequence([a]);

        using var outputs = session.Run([new("sequence", sequence), new("tensor", b)]);

        using var elements = outputs[0].GetSequenceElements();
        Assert.Equal(2, elements.Count);
        Assert.Equal([4L, 5, 6], elements[1].GetTensorData<long>().ToArray());
    }

    [Fact]
    public void Reading_with_the_wrong_type_or_kind_throws_a_clear_error()
    {
        using var floats = OrtValue.CreateTensor<float>(new float[] { 1 }, [1]);
        using var strings = OrtValue.CreateStringTensor(["a"], [1]);

        var wrongType = Assert.Throws<InvalidOperationException>(() => floats.GetTensorData<int>().ToArray());
        Assert.Contains("Float", wrongType.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => floats.GetStrings());
        Assert.Throws<InvalidOperationException>(() => strings.GetTensorBytes().ToArray());
        Assert.Throws<InvalidOperationException>(() => floats.GetSequenceElements());
    }

    [Fact]
    public void A_buffer_that_does_not_match_the_shape_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => OrtValue.CreateTensor<float>(new float[5], [2, 3]));
        Assert.Contains("6 elements", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => OrtValue.CreateStringTensor(["a"], [2]));
        Assert.Throws<ArgumentException>(() => OrtValue.CreateTensor<float>(new float[1], [-1]));
    }

    [Fact]
    public void Disposing_twice_is_safe_and_use_after_dispose_throws()
    {
        var value = OrtValue.CreateTensor<int>(new[] { 1, 2 }, [2]);
        value.Dispose();
        value.Dispose();

        Assert.Throws<ObjectDisposedException>(() => value.Shape);
    }
}
