using System.Runtime.InteropServices;

namespace OliveNet.Runtime.Interop;

/// <summary>Owns one <c>OrtRunOptions*</c>; released with <c>ReleaseRunOptions</c>.</summary>
internal sealed unsafe class RunOptionsHandle : SafeHandle
{
    public RunOptionsHandle(nint handle)
        : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseRunOptions(handle);
        return true;
    }
}
