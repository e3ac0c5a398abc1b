using System.Text;
using OliveNet.Runtime.Interop;

namespace OliveNet.Runtime;

public sealed unsafe partial class OrtValue
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

        return new ReadOnlySpan<T>(DataPointer(), checked((int)ElementCount));
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

        return new ReadOnlySpan<byte>(DataPointer(), checked((int)ElementTypes.ByteCount(type, ElementCount)));
    }

    /// <summary>Copies the elements of a string tensor, decoded from UTF-8.</summary>
    /// <exception cref="InvalidOperationException">The tensor does not hold strings.</exception>
    public string[] GetStrings()
    {
        var type = ElementType;
        if (type != TensorElementType.String)
        {
            throw new InvalidOperationException($"The tensor holds {type} elements, not strings.");
        }

        var count = checked((int)ElementCount);
        nuint total;
        OrtStatus.Check(OrtApi.GetStringTensorDataLength(Native, &total));
        var bytes = new byte[Math.Max(1, (int)total)];
        var offsets = new nuint[Math.Max(1, count)];
        fixed (byte* s = bytes)
        fixed (nuint* o = offsets)
        {
            OrtStatus.Check(OrtApi.GetStringTensorContent(Native, s, total, o, (nuint)count));
        }

        var strings = new string[count];
        for (var i = 0; i < count; i++)
        {
            var start = (int)offsets[i];
            var end = i + 1 < count ? (int)offsets[i + 1] : (int)total;
            strings[i] = Encoding.UTF8.GetString(bytes, start, end - start);
        }

        return strings;
    }

    /// <summary>The elements of a sequence, as new values owned by the returned list. They may share data with this
    /// sequence; they stay valid after it is disposed.</summary>
    /// <exception cref="OrtException">This value is not a sequence.</exception>
    public OrtValueList GetSequenceElements()
    {
        var type = ValueType;
        if (type != OnnxValueType.Sequence)
        {
            throw new InvalidOperationException($"The value is a {type}, not a sequence.");
        }

        nuint count;
        OrtStatus.Check(OrtApi.GetValueCount(Native, &count));
        var values = new OrtValue[(int)count];
        try
        {
            for (var i = 0; i < values.Length; i++)
            {
                nint element;
                OrtStatus.Check(OrtApi.GetValue(Native, i, OrtAllocator.Default, &element));
                values[i] = new OrtValue(new ValueHandle(element), pinSources);
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

    private void* DataPointer()
    {
        void* data;
        OrtStatus.Check(OrtApi.GetTensorMutableData(Native, &data));
        return data;
    }
}
