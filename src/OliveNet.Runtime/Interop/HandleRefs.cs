using System.Runtime.InteropServices;

namespace OliveNet.Runtime.Interop;

/// <summary>
/// Keeps SafeHandles alive (AddRef) for the duration of one native call so a concurrent Dispose cannot
/// release them mid-call; releases the references on dispose.
/// </summary>
internal sealed class HandleRefs : IDisposable
{
    private readonly List<SafeHandle> held = [];

    /// <summary>Adds a reference and returns the raw handle.</summary>
    /// <exception cref="ObjectDisposedException">The handle was already released.</exception>
    public nint Add(SafeHandle handle, object owner)
    {
        ObjectDisposedException.ThrowIf(handle.IsClosed, owner);

        var added = false;
        handle.DangerousAddRef(ref added);
        held.Add(handle);
        return handle.DangerousGetHandle();
    }

    public void Dispose()
    {
        foreach (var handle in held)
        {
            handle.DangerousRelease();
        }

        held.Clear();
    }
}
