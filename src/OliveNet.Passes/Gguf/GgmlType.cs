namespace OliveNet.Passes.Gguf;

// The members carry ggml's own type names (Q4_K, Q8_0, ...): users and llama.cpp's tools spell them so.
#pragma warning disable CA1707

/// <summary>The ggml tensor element types OliveNet writes, with ggml's numeric ids (ggml.h <c>enum ggml_type</c>).</summary>
public enum GgmlType
{
    /// <summary>32-bit float.</summary>
    F32 = 0,

    /// <summary>IEEE half.</summary>
    F16 = 1,

    /// <summary>Blocks of 32: f16 scale, 4-bit signed quants (offset 8).</summary>
    Q4_0 = 2,

    /// <summary>Blocks of 32: f16 scale and min, 4-bit quants.</summary>
    Q4_1 = 3,

    /// <summary>Blocks of 32: f16 scale, 5-bit signed quants (offset 16).</summary>
    Q5_0 = 6,

    /// <summary>Blocks of 32: f16 scale and min, 5-bit quants.</summary>
    Q5_1 = 7,

    /// <summary>Blocks of 32: f16 scale, int8 quants.</summary>
    Q8_0 = 8,

    /// <summary>Super-blocks of 256: 8 sub-blocks of 32 with 6-bit scales and mins, 4-bit quants.</summary>
    Q4_K = 12,

    /// <summary>Super-blocks of 256: 8 sub-blocks of 32 with 6-bit scales and mins, 5-bit quants.</summary>
    Q5_K = 13,

    /// <summary>Super-blocks of 256: 16 sub-blocks of 16 with int8 scales, 6-bit signed quants.</summary>
    Q6_K = 14,

    /// <summary>bfloat16.</summary>
    BF16 = 30,
}
#pragma warning restore CA1707

/// <summary>Block geometry of each <see cref="GgmlType"/>.</summary>
public static class GgmlTypes
{
    /// <summary>Elements per block (1 for plain float types).</summary>
    public static int BlockSize(this GgmlType type) => type switch
    {
        GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 => 1,
        GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K => 256,
        _ => 32,
    };

    /// <summary>Bytes per block.</summary>
    public static int BlockBytes(this GgmlType type) => type switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 or GgmlType.BF16 => 2,
        GgmlType.Q4_0 => 18,
        GgmlType.Q4_1 => 20,
        GgmlType.Q5_0 => 22,
        GgmlType.Q5_1 => 24,
        GgmlType.Q8_0 => 34,
        GgmlType.Q4_K => 144,
        GgmlType.Q5_K => 176,
        GgmlType.Q6_K => 210,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a type OliveNet writes"),
    };

    /// <summary>Bytes of one row of <paramref name="columns"/> elements (a multiple of the block size).</summary>
    public static long RowBytes(this GgmlType type, long columns) => columns / type.BlockSize() * type.BlockBytes();

    /// <summary>The ggml name (as llama.cpp prints it), or <c>type N</c> for ids OliveNet does not write.</summary>
    public static string Name(int id) => Enum.IsDefined(typeof(GgmlType), id) ? ((GgmlType)id).ToString() : $"type {id}";

    /// <summary>Block size and bytes for any ggml type id a reader may meet (0 when unknown), to measure tensors in files OliveNet did not write.</summary>
    public static (int Size, int Bytes) Geometry(int id) => id switch
    {
        0 => (1, 4),
        1 or 30 => (1, 2),
        2 => (32, 18),
        3 => (32, 20),
        6 => (32, 22),
        7 => (32, 24),
        8 => (32, 34),
        9 => (32, 36),
        10 => (256, 84),
        11 => (256, 110),
        12 => (256, 144),
        13 => (256, 176),
        14 => (256, 210),
        15 => (256, 292),
        24 => (1, 1),
        25 => (1, 2),
        26 => (1, 4),
        27 => (1, 8),
        28 => (1, 8),
        _ => (0, 0),
    };
}
