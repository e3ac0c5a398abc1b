using Ort = Microsoft.ML.OnnxRuntime;

namespace OliveNet.Runtime;

/// <summary>
/// A loaded model ready to run: OliveNet's seam over the official <c>Microsoft.ML.OnnxRuntime.InferenceSession</c>.
/// Run may be called from several threads at once. Dispose releases the native session; disposing twice is safe.
/// </summary>
public sealed partial class InferenceSession : IDisposable
{
    private readonly Ort.InferenceSession session;
    private readonly string displayName;
    private bool disposed;

    /// <summary>Loads the model at <paramref name="modelPath"/> (external data files are resolved relative to it).</summary>
    /// <param name="modelPath">Path to an .onnx file.</param>
    /// <param name="options">Options to apply; not kept after the constructor returns. Null means ORT defaults.</param>
    /// <exception cref="OrtException">The file is missing (<see cref="OrtErrorCode.NoSuchFile"/>), invalid, or an appended
    /// execution provider cannot be created; the message names the path and ORT's reason.</exception>
    public InferenceSession(string modelPath, SessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        displayName = $"'{modelPath}'";
        session = Create(options, o => new Ort.InferenceSession(modelPath, o));
        (Inputs, Outputs) = ReadMetadata();
    }

    /// <summary>Loads a model from its serialized bytes (copied; the span need not outlive the call).
    /// Models with external data cannot be loaded this way.</summary>
    /// <exception cref="OrtException">The bytes are not a valid model or an execution provider cannot be created.</exception>
    public InferenceSession(ReadOnlySpan<byte> modelBytes, SessionOptions? options = null)
    {
        displayName = $"a {modelBytes.Length}-byte in-memory model";
        var bytes = modelBytes.ToArray();
        session = Create(options, o => new Ort.InferenceSession(bytes, o));
        (Inputs, Outputs) = ReadMetadata();
    }

    /// <summary>Graph inputs (initializers that may be overridden are not listed).</summary>
    public IReadOnlyList<NodeMetadata> Inputs { get; }

    /// <summary>Graph outputs in model order.</summary>
    public IReadOnlyList<NodeMetadata> Outputs { get; }

    /// <summary>
    /// Stops profiling (enabled with <see cref="SessionOptions.EnableProfiling"/>) and writes the profile.
    /// </summary>
    /// <returns>The path of the JSON profile file written.</returns>
    public string EndProfiling() => OrtCall.Checked(() => Open.EndProfiling(), $"Cannot end profiling for {displayName}");

    /// <summary>Releases the native session. Safe to call twice; any later use throws <see cref="ObjectDisposedException"/>
    /// (the official type would touch freed native memory).</summary>
    public void Dispose()
    {
        disposed = true;
        session.Dispose();
    }

    /// <summary>The official session; throws once this instance is disposed.</summary>
    private Ort.InferenceSession Open
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return session;
        }
    }

    private Ort.InferenceSession Create(SessionOptions? options, Func<Ort.SessionOptions, Ort.InferenceSession> create)
    {
        var owned = options is null ? new SessionOptions() : null;
        var effective = options ?? owned!;
        try
        {
            return create(effective.Inner);
        }
        catch (Ort.OnnxRuntimeException e)
        {
            var context = $"Cannot create an inference session for {displayName}";
            var reason = OrtCall.Reason(e.Message);
            throw new OrtException(
                OrtCall.Code(e),
                effective.ExecutionProviders.Count == 0
                    ? $"{context}: {reason}"
                    : $"{context}. {SessionOptions.ProviderFailure($"'{string.Join("', '", effective.ExecutionProviders)}'", reason)}");
        }
        catch (DllNotFoundException e)
        {
            throw OrtCall.NotLoadable(e);
        }
        finally
        {
            owned?.Dispose();
        }
    }
}
