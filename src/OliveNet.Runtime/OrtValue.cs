using System.Buffers;
using OliveNet.Runtime.Interop;

namespace OliveNet.Runtime;

/// <summary>
/// One ONNX Runtime value (tensor or sequence). Values made over managed memory keep it pinned until
/// disposed; values returned by ORT own native memory that is freed on dispose.
/// </summary>
/// <remarks>
/// ORT may share tensor data instead of copying it (sequence elements, pass-through outputs). So that no value can
/// outlive a pin it depends on, every value that may refer to managed buffers keeps its own pin on each of them:
/// a sequence pins its elements' buffers, a sequence element read back pins the sequence's, and run outputs pin
/// the inputs' buffers. Disposing values in any order is therefore safe.
/// </remarks>
public sealed unsafe partial class OrtValue : IDisposable
{
    private readonly Func<MemoryHandle>[] pinSources;
    private MemoryHandle[] pins;

    internal OrtValue(ValueHandle handle)
        : this(handle, [], [])
    {
    }

    /// <param name="handle">The native value, now owned by this instance.</param>
    /// <param name="pinSources">Ways to pin every managed buffer the native value may refer to.</param>
    /// <param name="pins">Pins already taken on those buffers (owned by this instance), or null to take them now.</param>
    internal OrtValue(ValueHandle handle, Func<MemoryHandle>[] pinSources, MemoryHandle[]? pins = null)
    {
        Handle = handle;
        this.pinSources = pinSources;
        this.pins = pins ?? PinAll(pinSources);
    }

    /// <summary>How to pin the managed buffers this value may refer to (for values that will share its data).</summary>
    internal IReadOnlyList<Func<MemoryHandle>> PinSources => pinSources;

    internal static MemoryHandle[] PinAll(IReadOnlyList<Func<MemoryHandle>> sources)
    {
        var taken = new MemoryHandle[sources.Count];
        for (var i = 0; i < taken.Length; i++)
        {
            taken[i] = sources[i]();
        }

        return taken;
    }

    internal ValueHandle Handle { get; }

    /// <summary>Tensor, sequence, map, …</summary>
    public OnnxValueType ValueType
    {
        get
        {
            int type;
            OrtStatus.Check(OrtApi.GetValueType(Native, &type));
            return (OnnxValueType)type;
        }
    }

    /// <summary>The element type of a tensor.</summary>
    /// <exception cref="OrtException">This value is not a tensor.</exception>
    public TensorElementType ElementType
    {
        get
        {
            using var info = TypeAndShape();
            int type;
            OrtStatus.Check(OrtApi.GetTensorElementType(info.DangerousGetHandle(), &type));
            return (TensorElementType)type;
        }
    }

    /// <summary>The dimensions of a tensor (a new array each call).</summary>
    public long[] Shape
    {
        get
        {
            using var info = TypeAndShape();
            return ReadDimensions(info.DangerousGetHandle());
        }
    }

    /// <summary>The number of elements of a tensor (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            using var info = TypeAndShape();
            nuint count;
            OrtStatus.Check(OrtApi.GetTensorShapeElementCount(info.DangerousGetHandle(), &count));
            return (long)count;
        }
    }

    internal nint Native
    {
        get
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
            return Handle.DangerousGetHandle();
        }
    }

    /// <summary>Releases the native value, then its pins on managed memory (in that order: ORT may read it until released). Safe to call twice.</summary>
    public void Dispose()
    {
        Handle.Dispose();
        var taken = pins;
        pins = [];
        foreach (var pin in taken)
        {
            pin.Dispose();
        }
    }

    internal static long[] ReadDimensions(nint info)
    {
        nuint rank;
        OrtStatus.Check(OrtApi.GetDimensionsCount(info, &rank));
        var dims = new long[(int)rank];
        fixed (long* p = dims)
        {
            OrtStatus.Check(OrtApi.GetDimensions(info, p, rank));
        }

        return dims;
    }

    private TensorTypeAndShapeInfoHandle TypeAndShape()
    {
        nint info;
        OrtStatus.Check(OrtApi.GetTensorTypeAndShape(Native, &info), "Cannot read tensor type and shape (is this value a tensor?)");
        return new TensorTypeAndShapeInfoHandle(info);
    }
}
