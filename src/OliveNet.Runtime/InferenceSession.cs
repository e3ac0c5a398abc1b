using OliveNet.Runtime.Interop;

namespace OliveNet.Runtime;

/// <summary>
/// A loaded model ready to run. <see cref="Run"/> may be called from several threads at once.
/// Dispose releases the native session; disposing twice is safe.
/// </summary>
public sealed unsafe partial class InferenceSession : IDisposable
{
    private readonly SessionHandle handle;
    private readonly string displayName;

    /// <summary>Loads the model at <paramref name="modelPath"/> (external data files are resolved relative to it).</summary>
    /// <param name="modelPath">Path to an .onnx file.</param>
    /// <param name="options">Options to apply; not kept after the constructor returns. Null means ORT defaults.</param>
    /// <exception cref="OrtException">The file is missing (<see cref="OrtErrorCode.NoSuchFile"/>), invalid, or an appended
    /// execution provider cannot be created; the message names the path and ORT's reason.</exception>
    public InferenceSession(string modelPath, SessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        displayName = $"'{modelPath}'";
        var pathBytes = Utf8.Bytes(modelPath);
        handle = Create(options, (env, opts, session) =>
        {
            fixed (byte* path = pathBytes)
            {
                return OrtApi.CreateSession(env, path, opts, session);
            }
        });
        (Inputs, Outputs) = ReadMetadata();
    }

    /// <summary>Loads a model from its serialized bytes (copied by ORT; the span need not outlive the call).
    /// Models with external data cannot be loaded this way.</summary>
    /// <exception cref="OrtException">The bytes are not a valid model or an execution provider cannot be created.</exception>
    public InferenceSession(ReadOnlySpan<byte> modelBytes, SessionOptions? options = null)
    {
        displayName = $"a {modelBytes.Length}-byte in-memory model";
        fixed (byte* data = modelBytes)
        {
            var address = (nint)data;
            var length = (nuint)modelBytes.Length;
            handle = Create(options, (env, opts, session) => OrtApi.CreateSessionFromArray(env, (void*)address, length, opts, session));
        }

        (Inputs, Outputs) = ReadMetadata();
    }

    private delegate nint CreateCall(nint env, nint options, nint* session);

    /// <summary>Graph inputs (initializers that may be overridden are not listed).</summary>
    public IReadOnlyList<NodeMetadata> Inputs { get; }

    /// <summary>Graph outputs in model order.</summary>
    public IReadOnlyList<NodeMetadata> Outputs { get; }

    /// <summary>
    /// Stops profiling (enabled with <see cref="SessionOptions.EnableProfiling"/>) and writes the profile.
    /// </summary>
    /// <returns>The path of the JSON profile file written.</returns>
    public string EndProfiling()
    {
        using var refs = new HandleRefs();
        var session = refs.Add(handle, this);
        byte* file;
        OrtStatus.Check(OrtApi.SessionEndProfiling(session, OrtAllocator.Default, &file), $"Cannot end profiling for {displayName}");
        return Utf8.ReadAndFree(file);
    }

    public void Dispose() => handle.Dispose();

    private SessionHandle Create(SessionOptions? options, CreateCall call)
    {
        var env = OrtEnvironment.Handle.DangerousGetHandle();
        var owned = options is null ? new SessionOptions() : null;
        var effective = options ?? owned!;
        try
        {
            using var refs = new HandleRefs();
            var opts = refs.Add(effective.Handle, effective);
            nint session;
            var status = call(env, opts, &session);
            if (status != 0)
            {
                var (code, message) = OrtStatus.Consume(status);
                var context = $"Cannot create an inference session for {displayName}";
                throw new OrtException(
                    code,
                    effective.ExecutionProviders.Count == 0
                        ? $"{context}: {message}"
                        : $"{context}. {SessionOptions.ProviderFailure($"'{string.Join("', '", effective.ExecutionProviders)}'", message)}");
            }

            return new SessionHandle(session);
        }
        finally
        {
            owned?.Dispose();
        }
    }
}
