using System.Runtime.InteropServices;

namespace OliveNet.Runtime.Interop;

/// <summary>The one door every <c>OrtStatus*</c> goes through.</summary>
internal static unsafe class OrtStatus
{
    /// <summary>Returns if <paramref name="status"/> is NULL (OK); otherwise releases it and throws.</summary>
    /// <exception cref="OrtException">The status carries an error; the message is ORT's.</exception>
    public static void Check(nint status)
    {
        if (status != 0)
        {
            Throw(status, null);
        }
    }

    /// <summary>As <see cref="Check(nint)"/>, with <paramref name="context"/> (what was being done) before ORT's message.</summary>
    public static void Check(nint status, string context)
    {
        if (status != 0)
        {
            Throw(status, context);
        }
    }

    /// <summary>Reads code and message and releases the status (the caller must not use it again).</summary>
    public static (OrtErrorCode Code, string Message) Consume(nint status)
    {
        try
        {
            var code = (OrtErrorCode)OrtApi.GetErrorCode(status);
            var message = Marshal.PtrToStringUTF8((nint)OrtApi.GetErrorMessage(status)) ?? string.Empty;
            return (code, message);
        }
        finally
        {
            OrtApi.ReleaseStatus(status);
        }
    }

    private static void Throw(nint status, string? context)
    {
        var (code, message) = Consume(status);
        throw new OrtException(code, context is null ? message : $"{context}: {message}");
    }
}
