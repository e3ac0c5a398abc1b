using System.Runtime.InteropServices;

namespace OliveNet.Runtime.Interop;

/// <summary>Owns one <c>OrtTensorTypeAndShapeInfo*</c>; released with <c>ReleaseTensorTypeAndShapeInfo</c>.</summary>
internal sealed unsafe class TensorTypeAndShapeInfoHandle : SafeHandle
{
    public TensorTypeAndShapeInfoHandle(nint handle)
        : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseTensorTypeAndShapeInfo(handle);
        return true;
    }
}
