using Ort = Microsoft.ML.OnnxRuntime;

namespace OliveNet.Runtime;

/// <summary>Per-call options for <see cref="InferenceSession.Run(IReadOnlyList{KeyValuePair{string, OrtValue}}, IReadOnlyList{string}?, RunOptions?)"/>;
/// lets another thread cancel a running call.</summary>
public sealed class RunOptions : IDisposable
{
    /// <exception cref="OrtException">ONNX Runtime cannot be loaded.</exception>
    public RunOptions() => Inner = OrtCall.Checked(() => new Ort.RunOptions(), "Cannot create run options");

    internal Ort.RunOptions Inner { get; }

    /// <summary>Asks every run using these options (running or later) to stop; such calls throw <see cref="OrtException"/>.
    /// Undo with <see cref="ResetTerminate"/>.</summary>
    public void Terminate()
    {
        ObjectDisposedException.ThrowIf(Inner.IsClosed, this);
        OrtCall.Checked(() => Inner.Terminate = true);
    }

    /// <summary>Clears a previous <see cref="Terminate"/> so the options can be used again.</summary>
    public void ResetTerminate()
    {
        ObjectDisposedException.ThrowIf(Inner.IsClosed, this);
        OrtCall.Checked(() => Inner.Terminate = false);
    }

    public void Dispose() => Inner.Dispose();
}
