using System.Runtime.InteropServices;
using Ort = Microsoft.ML.OnnxRuntime;

namespace OliveNet.Runtime;

public sealed partial class OrtValue
{
    /// <summary>
    /// The elements of a tensor, read in place (no copy). The span is valid only while this value is alive: do not
    /// keep it past <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> does not match <see cref="ElementType"/>.</exception>
    public ReadOnlySpan<T> GetTensorData<T>()
        where T : unmanaged
    {
        var wanted = ElementTypes.Of<T>();
        var actual = ElementType;
        if (wanted != actual || wanted == TensorElementType.Undefined)
        {
            throw new InvalidOperationException($"The tensor holds {actual} elements; {typeof(T).Name} was requested. Use GetTensorBytes() for raw access.");
        }

        return MemoryMarshal.Cast<byte, T>(RawSpan(Inner, actual));
    }

    /// <summary>The raw little-endian bytes of a fixed-size tensor (4-bit types packed), in place; valid while this value is alive.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds strings.</exception>
    public ReadOnlySpan<byte> GetTensorBytes()
    {
        var type = ElementType;
        if (ElementTypes.BitsPerElement(type) == 0)
        {
            throw new InvalidOperationException($"A {type} tensor has no fixed-size bytes; use GetStrings() for strings.");
        }

        return RawSpan(Inner, type);
    }

    /// <summary>Copies the elements of a string tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor does not hold strings.</exception>
    public string[] GetStrings()
    {
        var type = ElementType;
        if (type != TensorElementType.String)
        {
            throw new InvalidOperationException($"The tensor holds {type} elements, not strings.");
        }

        return OrtCall.Checked(() => Inner.GetStringTensorAsArray(), "Cannot read a string tensor");
    }

    /// <summary>The elements of a sequence, as new values owned by the returned list. They may share data with this
    /// sequence; they stay valid after it is disposed.</summary>
    /// <exception cref="InvalidOperationException">This value is not a sequence.</exception>
    public OrtValueList GetSequenceElements()
    {
        var type = ValueType;
        if (type != OnnxValueType.Sequence)
        {
            throw new InvalidOperationException($"The value is a {type}, not a sequence.");
        }

        var count = OrtCall.Checked(() => Inner.GetValueCount());
        var values = new OrtValue[count];
        try
        {
            for (var i = 0; i < values.Length; i++)
            {
                var index = i;
                values[i] = new OrtValue(OrtCall.Checked(() => Inner.GetValue(index, Ort.OrtAllocator.DefaultInstance)), pinSources);
            }
        }
        catch
        {
            foreach (var v in values)
            {
                v?.Dispose();
            }

            throw;
        }

        return new OrtValueList(values);
    }

    /// <summary>The tensor's bytes in place, sized from its element type and count (so 4-bit types are packed).</summary>
    private static Span<byte> RawSpan(Ort.OrtValue value, TensorElementType type)
    {
        var count = OrtCall.Checked(() => value.GetTensorTypeAndShape().ElementCount);
        var bytes = checked((int)ElementTypes.ByteCount(type, count));
        Span<byte> all;
        try
        {
            all = value.GetTensorMutableRawData();
        }
        catch (Ort.OnnxRuntimeException e)
        {
            throw OrtCall.Translate(e, $"Cannot read the bytes of a {type} tensor");
        }

        if (all.Length < bytes)
        {
            throw new OrtException($"ONNX Runtime reports {all.Length} bytes for a {type} tensor of {count} elements, expected {bytes}.");
        }

        return all[..bytes];
    }
}
