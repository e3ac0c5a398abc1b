using Ort = Microsoft.ML.OnnxRuntime;

namespace OliveNet.Runtime;

/// <summary>
/// Facts about the loaded ONNX Runtime: the official NuGet package Microsoft.ML.OnnxRuntime (CPU) or
/// Microsoft.ML.OnnxRuntime.Gpu.Linux (CUDA), whichever flavour OliveNet was built with (<see cref="Flavor"/>).
/// </summary>
/// <remarks>All members throw <see cref="OrtException"/> when the native library cannot be loaded.</remarks>
public static class OrtRuntime
{
    private static IReadOnlyList<string>? providers;

    /// <summary>ORT's version string, e.g. "1.32.0".</summary>
    public static string Version => OrtCall.Checked(() => Ort.OrtEnv.Instance().GetVersionString());

    /// <summary>"cpu" or "gpu": which native package this build of OliveNet ships (the <c>OliveNetOrtFlavor</c> build property).</summary>
    public static string Flavor => typeof(OrtRuntime).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .OfType<System.Reflection.AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == "OliveNetOrtFlavor")?.Value ?? "cpu";

    /// <summary>
    /// Execution providers compiled into the library, e.g. CPUExecutionProvider. Listed does not mean
    /// creatable: providers that live in separate libraries (CUDA, TensorRT) fail when selected if those are absent.
    /// </summary>
    public static IReadOnlyList<string> AvailableProviders =>
        providers ??= OrtCall.Checked(() => Ort.OrtEnv.Instance().GetAvailableProviders());

    /// <summary>The path the native library was loaded from (read from the process's memory map; the application folder
    /// where that is not available).</summary>
    public static string LibraryPath
    {
        get
        {
            _ = Version;
            const string maps = "/proc/self/maps";
            if (File.Exists(maps))
            {
                foreach (var line in File.ReadLines(maps))
                {
                    var at = line.IndexOf('/', StringComparison.Ordinal);
                    if (at >= 0 && line.AsSpan(at).EndsWith("/libonnxruntime.so", StringComparison.Ordinal))
                    {
                        return line[at..];
                    }
                }
            }

            return Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so");
        }
    }
}
