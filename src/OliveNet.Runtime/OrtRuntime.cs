using OliveNet.Runtime.Interop;

namespace OliveNet.Runtime;

/// <summary>
/// Facts about the loaded ONNX Runtime. The native library is resolved on first use of any member
/// here or of any session/tensor type: <c>$OLIVENET_ORT_LIBRARY</c> if set (and then only that path);
/// else <c>libonnxruntime.so.1</c> next to OliveNet.Runtime.dll; else the build's npm cache copy
/// (<c>~/.cache/olivenet/npm/onnxruntime-node-1.30.0/…/libonnxruntime.so.1</c>).
/// </summary>
/// <remarks>All members throw <see cref="OrtException"/> naming every path tried when the library cannot be loaded.</remarks>
public static unsafe class OrtRuntime
{
    private static string? buildInfo;
    private static IReadOnlyList<string>? providers;

    /// <summary>The C API version this binding uses (<c>GetApi(30)</c>).</summary>
    public static int ApiVersion => (int)OrtLibrary.ApiVersion;

    /// <summary>ORT's version string, e.g. "1.30.0".</summary>
    public static string Version => OrtLibrary.Version;

    /// <summary>ORT's build description (git commit, build options).</summary>
    public static string BuildInfo
    {
        get
        {
            if (buildInfo is null)
            {
                buildInfo = Utf8.Read(OrtApi.GetBuildInfoString());
            }

            return buildInfo;
        }
    }

    /// <summary>
    /// Execution providers compiled into the library, e.g. CPUExecutionProvider. Listed does not mean
    /// creatable: providers that live in separate libraries (CUDA, TensorRT) fail when selected if those are absent.
    /// </summary>
    public static IReadOnlyList<string> AvailableProviders
    {
        get
        {
            if (providers is null)
            {
                byte** names;
                int count;
                OrtStatus.Check(OrtApi.GetAvailableProviders(&names, &count));
                try
                {
                    var list = new string[count];
                    for (var i = 0; i < count; i++)
                    {
                        list[i] = Utf8.Read(names[i]);
                    }

                    providers = list;
                }
                finally
                {
                    OrtStatus.Check(OrtApi.ReleaseAvailableProviders(names, count));
                }
            }

            return providers;
        }
    }

    /// <summary>The path the native library was loaded from.</summary>
    public static string LibraryPath => OrtLibrary.Path;
}
