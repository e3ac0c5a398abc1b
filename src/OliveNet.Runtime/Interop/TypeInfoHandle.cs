using System.Runtime.InteropServices;

namespace OliveNet.Runtime.Interop;

/// <summary>Owns one <c>OrtTypeInfo*</c>; released with <c>ReleaseTypeInfo</c>.</summary>
internal sealed unsafe class TypeInfoHandle : SafeHandle
{
    public TypeInfoHandle(nint handle)
        : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseTypeInfo(handle);
        return true;
    }
}
