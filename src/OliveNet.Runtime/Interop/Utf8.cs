using System.Runtime.InteropServices;
using System.Text;

namespace OliveNet.Runtime.Interop;

/// <summary>NUL-terminated UTF-8 strings for the C API.</summary>
internal static unsafe class Utf8
{
    /// <summary>A managed NUL-terminated UTF-8 copy; pin it (<c>fixed</c>) for the duration of one call.</summary>
    public static byte[] Bytes(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    /// <summary>Copies a NUL-terminated UTF-8 string owned by ORT.</summary>
    public static string Read(byte* value) => Marshal.PtrToStringUTF8((nint)value) ?? string.Empty;

    /// <summary>Copies a string that ORT allocated with the default allocator, then frees it.</summary>
    public static string ReadAndFree(byte* value)
    {
        try
        {
            return Read(value);
        }
        finally
        {
            OrtStatus.Check(OrtApi.AllocatorFree(OrtAllocator.Default, value));
        }
    }
}
