using Ort = Microsoft.ML.OnnxRuntime;

namespace OliveNet.Runtime;

public sealed partial class SessionOptions
{
    /// <summary>
    /// Appends an execution provider, ahead of CPU (which is always present). "CPU" or "CPUExecutionProvider" is a no-op.
    /// CUDA and TensorRT go through their provider-options objects; every other name through ORT's generic appender,
    /// which takes ORT's spellings, short or full ("XNNPACK" or "XnnpackExecutionProvider", "QNN", "OpenVINO", …).
    /// </summary>
    /// <exception cref="OrtException">The provider cannot be created; the message names it, gives ORT's reason, what this
    /// build of OliveNet ships and the available providers. There is no silent fallback to CPU. ORT may only notice a
    /// missing provider library when a session is created; <see cref="InferenceSession"/> then reports it the same way.</exception>
    public void AppendExecutionProvider(string providerName, IReadOnlyDictionary<string, string>? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(providerName);
        if (IsCpu(providerName))
        {
            return;
        }

        var settings = options is null ? [] : options.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        try
        {
            if (IsNamed(providerName, "CUDA", "CUDAExecutionProvider"))
            {
                using var cuda = new Ort.OrtCUDAProviderOptions();
                cuda.UpdateOptions(settings);
                Open.AppendExecutionProvider_CUDA(cuda);
            }
            else if (IsNamed(providerName, "TensorRT", "TensorrtExecutionProvider"))
            {
                using var trt = new Ort.OrtTensorRTProviderOptions();
                trt.UpdateOptions(settings);
                Open.AppendExecutionProvider_Tensorrt(trt);
            }
            else
            {
                Open.AppendExecutionProvider(providerName, settings);
            }
        }
        catch (Ort.OnnxRuntimeException e)
        {
            throw new OrtException(OrtCall.Code(e), ProviderFailure($"'{providerName}'", OrtCall.Reason(e.Message)));
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or NotSupportedException)
        {
            throw new OrtException(OrtErrorCode.EpFail, ProviderFailure($"'{providerName}'", e.Message));
        }

        executionProviders.Add(providerName);
    }

    /// <param name="providers">The quoted provider name(s).</param>
    /// <param name="reason">ORT's message.</param>
    internal static string ProviderFailure(string providers, string reason) =>
        $"Execution provider {providers} cannot be used: {reason.TrimEnd('.', ' ', '\n')}. " +
        $"This OliveNet is built on ONNX Runtime {OrtRuntime.Version} ({FlavorText}); providers built into it: {string.Join(", ", OrtRuntime.AvailableProviders)} " +
        "(listed providers other than CPU also need their own provider libraries and drivers). " +
        "There is no silent CPU fallback: choose a provider that works here (CPUExecutionProvider always does)" +
        (OrtRuntime.Flavor == "gpu"
            ? ", or install what the provider needs (CUDA 13 and cuDNN 9 libraries on the library path for CUDA)."
            : ", or build OliveNet's GPU flavour for CUDA (`dotnet build -p:OliveNetOrtFlavor=gpu`, see the README's GPU section).");

    private static string FlavorText => OrtRuntime.Flavor == "gpu"
        ? "the NuGet package Microsoft.ML.OnnxRuntime.Gpu.Linux, CUDA build"
        : "the NuGet package Microsoft.ML.OnnxRuntime, CPU build";

    private static bool IsCpu(string name) => IsNamed(name, "CPU", "CPUExecutionProvider");

    private static bool IsNamed(string name, string shortName, string fullName) =>
        name.Equals(shortName, StringComparison.OrdinalIgnoreCase) || name.Equals(fullName, StringComparison.OrdinalIgnoreCase);
}
