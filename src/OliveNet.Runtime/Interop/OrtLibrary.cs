using System.Runtime.InteropServices;

namespace OliveNet.Runtime.Interop;

/// <summary>
/// Finds, loads and binds the native ONNX Runtime library once per process, on first use.
/// Resolution order: <c>OLIVENET_ORT_LIBRARY</c>; <c>libonnxruntime.so.1</c> next to this assembly;
/// the build's npm cache copy.
/// </summary>
internal static unsafe class OrtLibrary
{
    public const uint ApiVersion = 30;
    public const string EnvironmentVariable = "OLIVENET_ORT_LIBRARY";
    private const string FileName = "libonnxruntime.so.1";
    private const string NpmVersion = "1.30.0";

    private static readonly Lock Gate = new();
    private static nint* api;
    private static string? path;
    private static string? version;

    /// <summary>The <c>OrtApi</c> table; loads the library on first use.</summary>
    /// <exception cref="OrtException">The library cannot be found or loaded, or lacks API <see cref="ApiVersion"/>.</exception>
    public static nint* Api
    {
        get
        {
            var table = api;
            if (table != null)
            {
                return table;
            }

            EnsureLoaded();
            return api;
        }
    }

    public static string Path
    {
        get
        {
            EnsureLoaded();
            return path!;
        }
    }

    public static string Version
    {
        get
        {
            EnsureLoaded();
            return version!;
        }
    }

    /// <summary>Candidate paths in resolution order, with where each came from.</summary>
    internal static IReadOnlyList<(string Path, string Source)> Candidates()
    {
        var list = new List<(string, string)>();
        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            // An explicit choice is the only candidate: falling back silently would hide a typo.
            list.Add((fromEnv, $"${EnvironmentVariable}"));
            return list;
        }

        var assemblyDir = System.IO.Path.GetDirectoryName(typeof(OrtLibrary).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDir))
        {
            list.Add((System.IO.Path.Combine(assemblyDir, FileName), "next to OliveNet.Runtime.dll"));
        }

        var cacheRoot = Environment.GetEnvironmentVariable("OLIVENET_CACHE");
        if (string.IsNullOrEmpty(cacheRoot))
        {
            cacheRoot = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "olivenet");
        }

        list.Add((System.IO.Path.Combine(cacheRoot, "npm", $"onnxruntime-node-{NpmVersion}", "package", "bin", "napi-v6", "linux", "x64", FileName), "npm cache"));
        return list;
    }

    private static void EnsureLoaded()
    {
        if (api != null)
        {
            return;
        }

        lock (Gate)
        {
            if (api != null)
            {
                return;
            }

            var tried = new List<string>();
            foreach (var (candidate, source) in Candidates())
            {
                if (!File.Exists(candidate))
                {
                    tried.Add($"  {candidate} ({source}): not found");
                    continue;
                }

                if (!NativeLibrary.TryLoad(candidate, out var handle))
                {
                    tried.Add($"  {candidate} ({source}): exists but could not be loaded (wrong architecture or missing dependency?)");
                    continue;
                }

                Bind(handle, candidate);
                return;
            }

            throw new OrtException(
                OrtErrorCode.NoSuchFile,
                "Cannot find the ONNX Runtime native library. Tried:\n" + string.Join('\n', tried) +
                $"\nBuild the solution (it fetches onnxruntime-node@{NpmVersion} and copies {FileName} next to the assemblies), " +
                $"or set {EnvironmentVariable} to the path of a libonnxruntime.so that supports C API version {ApiVersion}.");
        }
    }

    private static void Bind(nint handle, string candidate)
    {
        if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out var getApiBase))
        {
            throw new OrtException(OrtErrorCode.Fail, $"'{candidate}' does not export OrtGetApiBase; it is not an ONNX Runtime library. Point {EnvironmentVariable} at libonnxruntime.so.");
        }

        // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t version); const char* (*GetVersionString)(void); }
        var baseTable = ((delegate* unmanaged[Cdecl]<nint*>)getApiBase)();
        var getVersionString = (delegate* unmanaged[Cdecl]<byte*>)baseTable[1];
        var libraryVersion = Marshal.PtrToStringUTF8((nint)getVersionString()) ?? "?";
        var getApi = (delegate* unmanaged[Cdecl]<uint, nint*>)baseTable[0];
        var table = getApi(ApiVersion);
        if (table == null)
        {
            throw new OrtException(
                OrtErrorCode.NotImplemented,
                $"ONNX Runtime {libraryVersion} at '{candidate}' does not support C API version {ApiVersion} (ONNX Runtime 1.{ApiVersion} or newer is needed). " +
                $"Unset {EnvironmentVariable} or point it at a newer libonnxruntime.so.");
        }

        path = candidate;
        version = libraryVersion;
        api = table;
    }
}
