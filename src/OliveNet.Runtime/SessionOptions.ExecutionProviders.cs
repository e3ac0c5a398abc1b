using OliveNet.Runtime.Interop;

namespace OliveNet.Runtime;

public sealed unsafe partial class SessionOptions
{
    /// <summary>
    /// Appends an execution provider, ahead of CPU (which is always present). "CPU" or "CPUExecutionProvider" is a no-op.
    /// CUDA and TensorRT go through their V2 provider options; every other name through ORT's generic appender, which
    /// accepts full names ("XnnpackExecutionProvider") and short ones ("XNNPACK").
    /// </summary>
    /// <exception cref="OrtException">The provider cannot be created; the message names it, gives ORT's reason and the
    /// available providers. There is no silent fallback to CPU. ORT may only notice a missing provider library when a
    /// session is created; <see cref="InferenceSession"/> then reports it the same way.</exception>
    public void AppendExecutionProvider(string providerName, IReadOnlyDictionary<string, string>? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(providerName);
        if (IsCpu(providerName))
        {
            return;
        }

        var keys = options?.Keys.ToArray() ?? [];
        var values = keys.Select(k => options![k]).ToArray();
        try
        {
            using var keyArray = new Utf8StringArray(keys);
            using var valueArray = new Utf8StringArray(values);
            if (IsNamed(providerName, "CUDA", "CUDAExecutionProvider"))
            {
                AppendCuda(keyArray, valueArray);
            }
            else if (IsNamed(providerName, "TensorRT", "TensorrtExecutionProvider"))
            {
                AppendTensorRT(keyArray, valueArray);
            }
            else
            {
                fixed (byte* name = Utf8.Bytes(providerName))
                {
                    OrtStatus.Check(OrtApi.SessionOptionsAppendExecutionProvider(Native, name, keyArray.Pointer, valueArray.Pointer, keyArray.Count));
                }
            }
        }
        catch (OrtException e)
        {
            throw new OrtException(e.Code, ProviderFailure($"'{providerName}'", e.Message));
        }

        executionProviders.Add(providerName);
    }

    /// <param name="providers">The quoted provider name(s).</param>
    /// <param name="reason">ORT's message.</param>
    internal static string ProviderFailure(string providers, string reason) =>
        $"Execution provider {providers} cannot be used: {reason.TrimEnd('.', ' ', '\n')}. " +
        $"Providers built into this ONNX Runtime ({OrtRuntime.Version}): {string.Join(", ", OrtRuntime.AvailableProviders)} " +
        "(listed providers other than CPU also need their own provider libraries and drivers). " +
        "There is no silent CPU fallback: choose a provider that works here (CPUExecutionProvider always does) or install the provider's libraries.";

    private static bool IsCpu(string name) => IsNamed(name, "CPU", "CPUExecutionProvider");

    private static bool IsNamed(string name, string shortName, string fullName) =>
        name.Equals(shortName, StringComparison.OrdinalIgnoreCase) || name.Equals(fullName, StringComparison.OrdinalIgnoreCase);

    private void AppendCuda(Utf8StringArray keys, Utf8StringArray values)
    {
        nint cuda;
        OrtStatus.Check(OrtApi.CreateCUDAProviderOptions(&cuda));
        try
        {
            OrtStatus.Check(OrtApi.UpdateCUDAProviderOptions(cuda, keys.Pointer, values.Pointer, keys.Count));
            OrtStatus.Check(OrtApi.SessionOptionsAppendExecutionProviderCudaV2(Native, cuda));
        }
        finally
        {
            OrtApi.ReleaseCUDAProviderOptions(cuda);
        }
    }

    private void AppendTensorRT(Utf8StringArray keys, Utf8StringArray values)
    {
        nint trt;
        OrtStatus.Check(OrtApi.CreateTensorRTProviderOptions(&trt));
        try
        {
            OrtStatus.Check(OrtApi.UpdateTensorRTProviderOptions(trt, keys.Pointer, values.Pointer, keys.Count));
            OrtStatus.Check(OrtApi.SessionOptionsAppendExecutionProviderTensorRTV2(Native, trt));
        }
        finally
        {
            OrtApi.ReleaseTensorRTProviderOptions(trt);
        }
    }
}
