using System.Runtime.InteropServices;

namespace OliveNet.Runtime.Interop;

/// <summary>Owns one <c>OrtSessionOptions*</c>; released with <c>ReleaseSessionOptions</c>.</summary>
internal sealed unsafe class SessionOptionsHandle : SafeHandle
{
    public SessionOptionsHandle(nint handle)
        : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseSessionOptions(handle);
        return true;
    }
}
