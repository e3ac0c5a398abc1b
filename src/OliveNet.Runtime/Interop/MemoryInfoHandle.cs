using System.Runtime.InteropServices;

namespace OliveNet.Runtime.Interop;

/// <summary>Owns one <c>OrtMemoryInfo*</c>; released with <c>ReleaseMemoryInfo</c>.</summary>
internal sealed unsafe class MemoryInfoHandle : SafeHandle
{
    public MemoryInfoHandle(nint handle)
        : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseMemoryInfo(handle);
        return true;
    }
}
