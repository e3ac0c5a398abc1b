namespace OliveNet.Passes.Gguf;

/// <summary>
/// One tensor to write: its GGUF name, ggml dimensions (innermost first: a HF weight <c>[out, in]</c> is
/// <c>{in, out}</c>), element type, and a callback that writes exactly <see cref="Bytes"/> bytes of data when the
/// writer reaches it, so tensors are produced one at a time.
/// </summary>
public sealed record GgufTensor(string Name, IReadOnlyList<long> Dimensions, GgmlType Type, Action<Stream> Write)
{
    /// <summary>Number of elements.</summary>
    public long Elements => Dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>Data bytes: rows of <c>Dimensions[0]</c> elements in <see cref="Type"/>'s block layout.</summary>
    public long Bytes => Type.RowBytes(Dimensions[0]) * (Elements / Dimensions[0]);
}
