using Ort = Microsoft.ML.OnnxRuntime;

namespace OliveNet.Runtime;

/// <summary>The one place where errors from the official ONNX Runtime package become <see cref="OrtException"/>.</summary>
internal static class OrtCall
{
    /// <summary>Runs <paramref name="call"/>; an ORT error is rethrown as <see cref="OrtException"/> with its code and
    /// <paramref name="context"/> (what was being done) before ORT's own reason.</summary>
    public static T Checked<T>(Func<T> call, string? context = null)
    {
        try
        {
            return call();
        }
        catch (Ort.OnnxRuntimeException e)
        {
            throw Translate(e, context);
        }
        catch (DllNotFoundException e)
        {
            throw NotLoadable(e);
        }
        catch (TypeInitializationException e) when (e.InnerException is DllNotFoundException or EntryPointNotFoundException)
        {
            throw NotLoadable(e.InnerException!);
        }
    }

    public static void Checked(Action call, string? context = null) =>
        Checked<bool>(
            () =>
            {
                call();
                return true;
            },
            context);

    internal static OrtException Translate(Ort.OnnxRuntimeException e, string? context)
    {
        var reason = Reason(e.Message);
        return new OrtException(Code(e), context is null ? reason : $"{context}: {reason}");
    }

    /// <summary>The error code named in the managed package's "[ErrorCode:X] " message prefix (the code itself is not public).</summary>
    internal static OrtErrorCode Code(Ort.OnnxRuntimeException e)
    {
        const string prefix = "[ErrorCode:";
        var text = e.Message.TrimStart();
        var end = text.IndexOf(']', StringComparison.Ordinal);
        return text.StartsWith(prefix, StringComparison.Ordinal) && end > prefix.Length
            && Enum.TryParse<OrtErrorCode>(text[prefix.Length..end], ignoreCase: true, out var code)
            ? code
            : OrtErrorCode.Fail;
    }

    /// <summary>ORT's message without the managed package's "[ErrorCode:X] " prefix.</summary>
    internal static string Reason(string message)
    {
        var text = message.TrimStart();
        if (text.StartsWith("[ErrorCode:", StringComparison.Ordinal))
        {
            var end = text.IndexOf(']', StringComparison.Ordinal);
            if (end > 0)
            {
                text = text[(end + 1)..].TrimStart();
            }
        }

        return text;
    }

    internal static OrtException NotLoadable(Exception e) => new(
        OrtErrorCode.Fail,
        $"ONNX Runtime's native library could not be loaded ({e.Message}). It ships in the NuGet package Microsoft.ML.OnnxRuntime " +
        "(runtimes/<rid>/native/libonnxruntime.so next to the application); rebuild or republish OliveNet so it is copied there " +
        "(`dotnet build` does this), and build for a runtime the package supports (linux-x64, linux-arm64, win-x64, osx-arm64).");
}
