using System.Buffers;
using OliveNet.Runtime.Interop;

namespace OliveNet.Runtime;

public sealed unsafe partial class OrtValue
{
    /// <summary>
    /// A tensor over <paramref name="data"/> without copying: the memory is pinned until this value is disposed,
    /// and changes made to it before <see cref="InferenceSession.Run"/> are what the model sees.
    /// </summary>
    /// <typeparam name="T">float, double, Half, sbyte, byte, short, ushort, int, uint, long, ulong or bool; the element type follows.</typeparam>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not supported, or the length does not match the shape.</exception>
    /// <exception cref="OrtException">ORT rejects the tensor.</exception>
    public static OrtValue CreateTensor<T>(Memory<T> data, ReadOnlySpan<long> shape)
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

        return OverPinned(() => data.Pin(), (nuint)((long)data.Length * sizeof(T)), shape, type);
    }

    /// <summary>
    /// A tensor of any fixed-size element type over little-endian bytes, without copying (pinned until disposed).
    /// 4-bit types (UInt4, Int4, Float4E2M1) are packed two per byte, low nibble first.
    /// </summary>
    /// <exception cref="ArgumentException">The type has no fixed size (String, Undefined) or the byte count does not match the shape.</exception>
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

        return OverPinned(() => rawLittleEndian.Pin(), (nuint)rawLittleEndian.Length, shape, type);
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

        nint value;
        fixed (long* dims = shape)
        {
            OrtStatus.Check(OrtApi.CreateTensorAsOrtValue(OrtAllocator.Default, dims, (nuint)shape.Length, (int)TensorElementType.String, &value), "Cannot create a string tensor");
        }

        var result = new OrtValue(new ValueHandle(value));
        try
        {
            using var strings = new Utf8StringArray(values);
            OrtStatus.Check(OrtApi.FillStringTensor(value, strings.Pointer, strings.Count), "Cannot fill a string tensor");
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A sequence of tensors (all of one element type). ORT shares the elements' data rather than copying it: later
    /// changes to an element's managed buffer are visible through the sequence. The elements stay owned by the caller
    /// and may be disposed before the sequence (the sequence keeps their managed buffers pinned itself).
    /// </summary>
    /// <exception cref="OrtException">ORT rejects the elements (e.g. mixed element types).</exception>
    public static OrtValue CreateSequence(IReadOnlyList<OrtValue> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        var handles = new nint[elements.Count];
        using var refs = new HandleRefs();
        for (var i = 0; i < handles.Length; i++)
        {
            handles[i] = refs.Add(elements[i].Handle, elements[i]);
        }

        nint sequence;
        fixed (nint* p = handles)
        {
            OrtStatus.Check(OrtApi.CreateValue(p, (nuint)handles.Length, (int)OnnxValueType.Sequence, &sequence), "Cannot create a sequence");
        }

        return new OrtValue(new ValueHandle(sequence), elements.SelectMany(e => e.PinSources).ToArray());
    }

    private static OrtValue OverPinned(Func<MemoryHandle> source, nuint bytes, ReadOnlySpan<long> shape, TensorElementType type)
    {
        var pin = source();
        try
        {
            nint value;
            fixed (long* dims = shape)
            {
                OrtStatus.Check(
                    OrtApi.CreateTensorWithDataAsOrtValue(OrtAllocator.CpuMemoryInfo.DangerousGetHandle(), pin.Pointer, bytes, dims, (nuint)shape.Length, (int)type, &value),
                    $"Cannot create a {type} tensor of shape [{string.Join(", ", shape.ToArray())}]");
            }

            return new OrtValue(new ValueHandle(value), [source], [pin]);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }
}
