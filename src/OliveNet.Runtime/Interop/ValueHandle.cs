using System.Runtime.InteropServices;

namespace OliveNet.Runtime.Interop;

/// <summary>Owns one <c>OrtValue*</c>; released with <c>ReleaseValue</c>.</summary>
internal sealed unsafe class ValueHandle : SafeHandle
{
    public ValueHandle(nint handle)
        : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseValue(handle);
        return true;
    }
}
