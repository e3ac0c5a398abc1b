namespace OliveNet.Passes.Export.SafeTensors;

/// <summary>One tensor's header entry: its element type, shape and byte range in the data section.</summary>
/// <param name="Name">The tensor name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="DType">The safetensors dtype: F32, F16, BF16, U8 (packed quantized weights and zero points) or I32 (GPTQ/AWQ packed words, act-order indices).</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Begin">Start of the data, relative to the data section.</param>
/// <param name="End">End (exclusive) of the data, relative to the data section.</param>
public sealed record SafeTensorInfo(string Name, string DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Bytes per element of <paramref name="dtype"/>, or 0 when OliveNet cannot read that dtype.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "F32" or "I32" => 4,
        "F16" or "BF16" => 2,
        "U8" => 1,
        _ => 0,
    };
}
