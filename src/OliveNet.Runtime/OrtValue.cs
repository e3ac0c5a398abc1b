using System.Buffers;
using Ort = Microsoft.ML.OnnxRuntime;

namespace OliveNet.Runtime;

/// <summary>
/// One ONNX Runtime value (tensor or sequence) over the official package's <c>OrtValue</c>. Values made over managed
/// memory keep it pinned until disposed; values returned by ORT own native memory that is freed on dispose.
/// </summary>
/// <remarks>
/// ORT may share tensor data instead of copying it (pass-through outputs, sequence elements read back). So that no value
/// can outlive a pin it depends on, every value that may refer to managed buffers keeps its own pin on each of them:
/// a sequence element read back pins the sequence's buffers, and run outputs pin the inputs' buffers. Disposing values
/// in any order is therefore safe.
/// </remarks>
public sealed partial class OrtValue : IDisposable
{
    private readonly Func<MemoryHandle>[] pinSources;
    private readonly Ort.OrtValue inner;
    private MemoryHandle[] pins;
    private bool disposed;

    internal OrtValue(Ort.OrtValue inner)
        : this(inner, [], [])
    {
    }

    /// <param name="inner">The native value, now owned by this instance.</param>
    /// <param name="pinSources">Ways to pin every managed buffer the native value may refer to.</param>
    /// <param name="pins">Pins already taken on those buffers (owned by this instance), or null to take them now.</param>
    internal OrtValue(Ort.OrtValue inner, Func<MemoryHandle>[] pinSources, MemoryHandle[]? pins = null)
    {
        this.inner = inner;
        this.pinSources = pinSources;
        this.pins = pins ?? PinAll(pinSources);
    }

    /// <summary>How to pin the managed buffers this value may refer to (for values that will share its data).</summary>
    internal IReadOnlyList<Func<MemoryHandle>> PinSources => pinSources;

    /// <summary>The official value; throws once this instance is disposed.</summary>
    internal Ort.OrtValue Inner
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return inner;
        }
    }

    /// <summary>Tensor, sequence, map, …</summary>
    public OnnxValueType ValueType => (OnnxValueType)(int)OrtCall.Checked(() => Inner.OnnxType);

    /// <summary>The element type of a tensor.</summary>
    /// <exception cref="OrtException">This value is not a tensor.</exception>
    public TensorElementType ElementType => (TensorElementType)(int)TypeAndShape().ElementDataType;

    /// <summary>The dimensions of a tensor (a new array each call).</summary>
    public long[] Shape => TypeAndShape().Shape;

    /// <summary>The number of elements of a tensor (1 for a scalar).</summary>
    public long ElementCount => TypeAndShape().ElementCount;

    internal static MemoryHandle[] PinAll(IReadOnlyList<Func<MemoryHandle>> sources)
    {
        var taken = new MemoryHandle[sources.Count];
        for (var i = 0; i < taken.Length; i++)
        {
            taken[i] = sources[i]();
        }

        return taken;
    }

    /// <summary>Releases the native value, then its pins on managed memory (in that order: ORT may read it until released). Safe to call twice.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        inner.Dispose();
        var taken = pins;
        pins = [];
        foreach (var pin in taken)
        {
            pin.Dispose();
        }
    }

    private Ort.OrtTensorTypeAndShapeInfo TypeAndShape() =>
        OrtCall.Checked(() => Inner.GetTensorTypeAndShape(), "Cannot read tensor type and shape (is this value a tensor?)");
}
