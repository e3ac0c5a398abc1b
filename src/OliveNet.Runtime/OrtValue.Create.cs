using System.Buffers;
using Ort = Microsoft.ML.OnnxRuntime;

namespace OliveNet.Runtime;

public sealed partial class OrtValue
{
    /// <summary>
    /// A tensor over <paramref name="data"/> without copying: the memory is pinned until this value is disposed,
    /// and changes made to it before a run are what the model sees.
    /// </summary>
    /// <typeparam name="T">float, double, Half, sbyte, byte, short, ushort, int, uint, long, ulong or bool; the element type follows.</typeparam>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not supported, or the length does not match the shape.</exception>
    /// <exception cref="OrtException">ORT rejects the tensor.</exception>
    public static unsafe OrtValue CreateTensor<T>(Memory<T> data, ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        var type = ElementTypes.Of<T>();
        if (type == TensorElementType.Undefined)
        {
            throw new ArgumentException($"{typeof(T).Name} is not a tensor element type; use float, double, Half, sbyte, byte, short, ushort, int, uint, long, ulong or bool, or CreateTensor(TensorElementType, Memory<byte>, shape) for other types.");
        }

        var count = ElementTypes.ElementCount(shape);
        if (data.Length != count)
        {
            throw new ArgumentException($"Shape [{string.Join(", ", shape.ToArray())}] has {count} elements but the buffer has {data.Length}.", nameof(data));
        }

        return OverPinned(() => data.Pin(), (long)data.Length * sizeof(T), shape, type);
    }

    /// <summary>
    /// A tensor of any fixed-size element type over little-endian bytes, without copying (pinned until disposed).
    /// </summary>
    /// <exception cref="ArgumentException">The type has no fixed size (String, Undefined) or the byte count does not match the shape.</exception>
    /// <exception cref="NotSupportedException">A 4-bit type: the official C# API cannot wrap one.</exception>
    public static OrtValue CreateTensor(TensorElementType type, Memory<byte> rawLittleEndian, ReadOnlySpan<long> shape)
    {
        if (ElementTypes.BitsPerElement(type) == 0)
        {
            throw new ArgumentException($"{type} has no fixed element size; use CreateStringTensor for strings.", nameof(type));
        }

        var expected = ElementTypes.ByteCount(type, ElementTypes.ElementCount(shape));
        if (rawLittleEndian.Length != expected)
        {
            throw new ArgumentException($"A {type} tensor of shape [{string.Join(", ", shape.ToArray())}] needs {expected} bytes but the buffer has {rawLittleEndian.Length}.", nameof(rawLittleEndian));
        }

        if (ElementTypes.BitsPerElement(type) == 4)
        {
            throw new NotSupportedException(
                $"{type} tensors cannot be passed to ONNX Runtime through its official C# API (1.32 has no element size for 4-bit types); " +
                "4-bit weights inside a model (MatMulNBits, GatherBlockQuantized, QDQ int4 initializers) are unaffected.");
        }

        return OverPinned(() => rawLittleEndian.Pin(), rawLittleEndian.Length, shape, type);
    }

    /// <summary>A string tensor; the strings are copied into ORT-owned memory as UTF-8.</summary>
    /// <exception cref="ArgumentException">The number of strings does not match the shape.</exception>
    public static OrtValue CreateStringTensor(IReadOnlyList<string> values, ReadOnlySpan<long> shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        var count = ElementTypes.ElementCount(shape);
        if (values.Count != count)
        {
            throw new ArgumentException($"Shape [{string.Join(", ", shape.ToArray())}] has {count} elements but {values.Count} strings were given.", nameof(values));
        }

        var dims = shape.ToArray();
        var value = OrtCall.Checked(() => Ort.OrtValue.CreateTensorWithEmptyStrings(Ort.OrtAllocator.DefaultInstance, dims), "Cannot create a string tensor");
        try
        {
            for (var i = 0; i < values.Count; i++)
            {
                var index = i;
                OrtCall.Checked(() => value.StringTensorSetElementAt(values[index].AsSpan(), index), "Cannot fill a string tensor");
            }

            return new OrtValue(value);
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A sequence of tensors (all of one element type). The elements are copied into ORT-owned memory (the official
    /// API takes ownership of what it is given, and the caller keeps owning <paramref name="elements"/>): later changes
    /// to an element's buffer are not seen by the sequence, and the elements may be disposed before it.
    /// </summary>
    /// <exception cref="OrtException">ORT rejects the elements (e.g. mixed element types).</exception>
    public static OrtValue CreateSequence(IReadOnlyList<OrtValue> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        var copies = new List<Ort.OrtValue>(elements.Count);
        try
        {
            foreach (var element in elements)
            {
                copies.Add(element.CopyTensor());
            }

            return new OrtValue(OrtCall.Checked(() => Ort.OrtValue.CreateSequence(copies), "Cannot create a sequence"));
        }
        catch
        {
            foreach (var copy in copies)
            {
                copy.Dispose();
            }

            throw;
        }
    }

    /// <summary>A new ORT-owned tensor with this tensor's type, shape and contents.</summary>
    private Ort.OrtValue CopyTensor()
    {
        var type = ElementType;
        var shape = Shape;
        if (type == TensorElementType.String)
        {
            var values = GetStrings();
            var value = OrtCall.Checked(() => Ort.OrtValue.CreateTensorWithEmptyStrings(Ort.OrtAllocator.DefaultInstance, shape), "Cannot create a string tensor");
            for (var i = 0; i < values.Length; i++)
            {
                value.StringTensorSetElementAt(values[i].AsSpan(), i);
            }

            return value;
        }

        var copy = OrtCall.Checked(
            () => Ort.OrtValue.CreateAllocatedTensorValue(Ort.OrtAllocator.DefaultInstance, (Ort.Tensors.TensorElementType)(int)type, shape),
            $"Cannot allocate a {type} tensor");
        GetTensorBytes().CopyTo(RawSpan(copy, type));
        return copy;
    }

    private static unsafe OrtValue OverPinned(Func<MemoryHandle> source, long bytes, ReadOnlySpan<long> shape, TensorElementType type)
    {
        var pin = source();
        try
        {
            var dims = shape.ToArray();
            var value = OrtCall.Checked(
                () => Ort.OrtValue.CreateTensorValueWithData(Ort.OrtMemoryInfo.DefaultInstance, (Ort.Tensors.TensorElementType)(int)type, dims, (nint)pin.Pointer, bytes),
                $"Cannot create a {type} tensor of shape [{string.Join(", ", dims)}]");
            return new OrtValue(value, [source], [pin]);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }
}
