using OliveNet.Runtime.Interop;

namespace OliveNet.Runtime;

/// <summary>Per-call options for <see cref="InferenceSession.Run"/>; lets another thread cancel a running call.</summary>
public sealed unsafe class RunOptions : IDisposable
{
    /// <exception cref="OrtException">ONNX Runtime cannot be loaded.</exception>
    public RunOptions()
    {
        nint options;
        OrtStatus.Check(OrtApi.CreateRunOptions(&options), "Cannot create run options");
        Handle = new RunOptionsHandle(options);
    }

    internal RunOptionsHandle Handle { get; }

    /// <summary>Asks every <see cref="InferenceSession.Run"/> using these options (running or later) to stop;
    /// such calls throw <see cref="OrtException"/>. Undo with <see cref="ResetTerminate"/>.</summary>
    public void Terminate()
    {
        ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
        OrtStatus.Check(OrtApi.RunOptionsSetTerminate(Handle.DangerousGetHandle()));
    }

    /// <summary>Clears a previous <see cref="Terminate"/> so the options can be used again.</summary>
    public void ResetTerminate()
    {
        ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
        OrtStatus.Check(OrtApi.RunOptionsUnsetTerminate(Handle.DangerousGetHandle()));
    }

    public void Dispose() => Handle.Dispose();
}
