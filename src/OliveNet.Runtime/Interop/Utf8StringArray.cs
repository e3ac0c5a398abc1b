using System.Runtime.InteropServices;
using System.Text;

namespace OliveNet.Runtime.Interop;

/// <summary>
/// A native <c>const char* const*</c> array of NUL-terminated UTF-8 strings, for calls that take
/// name or key/value lists. Owns its native memory; dispose after the call.
/// </summary>
internal sealed unsafe class Utf8StringArray : IDisposable
{
    private byte** pointers;
    private readonly int count;

    public Utf8StringArray(IReadOnlyCollection<string> values)
    {
        count = values.Count;
        pointers = (byte**)NativeMemory.AllocZeroed((nuint)Math.Max(count, 1), (nuint)sizeof(nint));
        var i = 0;
        foreach (var value in values)
        {
            var length = Encoding.UTF8.GetByteCount(value);
            var text = (byte*)NativeMemory.Alloc((nuint)length + 1);
            Encoding.UTF8.GetBytes(value, new Span<byte>(text, length));
            text[length] = 0;
            pointers[i++] = text;
        }
    }

    public byte** Pointer => pointers != null ? pointers : throw new ObjectDisposedException(nameof(Utf8StringArray));

    public nuint Count => (nuint)count;

    public void Dispose()
    {
        if (pointers == null)
        {
            return;
        }

        for (var i = 0; i < count; i++)
        {
            NativeMemory.Free(pointers[i]);
        }

        NativeMemory.Free(pointers);
        pointers = null;
    }
}
