using System.Runtime.InteropServices;

namespace OliveNet.Runtime.Interop;

/// <summary>Owns one <c>OrtSession*</c>; released with <c>ReleaseSession</c>.</summary>
internal sealed unsafe class SessionHandle : SafeHandle
{
    public SessionHandle(nint handle)
        : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseSession(handle);
        return true;
    }
}
