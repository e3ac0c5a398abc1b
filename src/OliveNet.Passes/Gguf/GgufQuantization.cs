namespace OliveNet.Passes.Gguf;

/// <summary>
/// The file formats GgufExport writes and which ggml type each tensor gets, following llama.cpp's
/// <c>llama-quantize</c> rules: norms and 1-D tensors stay F32; in quantized files the output projection (or the
/// token embedding when it is tied to the output) is Q6_K (Q8_0 when its rows do not fit 256-blocks, and in Q8_0
/// files); Q4_K_M and Q5_K_M give attn_v and ffn_down of the first and last eighth of the layers and every third layer
/// between Q6_K, and a fused attn_qkv Q5_K (Q4_K_M) or Q6_K (Q5_K_M); rows that are not a multiple of the block size fall back Q4_K→Q5_0, Q5_K→Q5_1,
/// Q6_K→Q8_0, and to F16 when even 32-blocks do not fit.
/// </summary>
public static class GgufQuantization
{
    /// <summary>Every format name, as llama.cpp spells it.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["F32", "F16", "BF16", "Q8_0", "Q5_1", "Q5_0", "Q4_1", "Q4_0", "Q6_K", "Q5_K_M", "Q5_K", "Q4_K", "Q4_K_M"];

    /// <summary>The canonical spelling of <paramref name="format"/> (case-insensitive), or null when unknown.</summary>
    public static string? Canonical(string format) => Formats.FirstOrDefault(f => string.Equals(f, format, StringComparison.OrdinalIgnoreCase));

    /// <summary>llama.cpp's <c>general.file_type</c> (<c>llama_ftype</c>) for a format; plain Q4_K/Q5_K are recorded as their _S variants.</summary>
    public static uint FileType(string format) => format switch
    {
        "F32" => 0,
        "F16" => 1,
        "Q4_0" => 2,
        "Q4_1" => 3,
        "Q8_0" => 7,
        "Q5_0" => 8,
        "Q5_1" => 9,
        "Q4_K" => 14,
        "Q4_K_M" => 15,
        "Q5_K" => 16,
        "Q5_K_M" => 17,
        "Q6_K" => 18,
        "BF16" => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown format"),
    };

    /// <summary>The ggml type of a tensor.</summary>
    /// <param name="format">A canonical format name.</param>
    /// <param name="name">The GGUF tensor name.</param>
    /// <param name="dimensions">ggml dimensions, innermost first.</param>
    /// <param name="layer">The block index, or -1 outside blocks.</param>
    /// <param name="layers">The number of blocks.</param>
    /// <param name="outputLike">Whether this is the output projection (or the token embedding that doubles as it).</param>
    /// <param name="pure">llama-quantize's <c>--pure</c>: every weight gets the format's base type (no Q6_K output, no _M mix); row fallbacks still apply.</param>
    public static GgmlType TypeOf(string format, string name, IReadOnlyList<long> dimensions, int layer, int layers, bool outputLike, bool pure = false)
    {
        if (dimensions.Count < 2 || name.EndsWith("_norm.weight", StringComparison.Ordinal) || name.StartsWith("rope_", StringComparison.Ordinal))
        {
            return GgmlType.F32;
        }

        var type = format switch
        {
            "F32" => GgmlType.F32,
            "F16" => GgmlType.F16,
            "BF16" => GgmlType.BF16,
            "Q8_0" => GgmlType.Q8_0,
            "Q5_1" => GgmlType.Q5_1,
            "Q5_0" => GgmlType.Q5_0,
            "Q4_1" => GgmlType.Q4_1,
            "Q4_0" => GgmlType.Q4_0,
            "Q6_K" => GgmlType.Q6_K,
            "Q5_K" or "Q5_K_M" => GgmlType.Q5_K,
            _ => GgmlType.Q4_K,
        };
        if (type.BlockSize() == 1)
        {
            return type;
        }

        var columns = dimensions[0];
        if (pure)
        {
            // The base type everywhere.
        }
        else if (outputLike)
        {
            type = columns % 256 != 0 || type == GgmlType.Q8_0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
        }
        else if (format is "Q4_K_M" or "Q5_K_M")
        {
            if ((name.EndsWith("attn_v.weight", StringComparison.Ordinal) || name.EndsWith("ffn_down.weight", StringComparison.Ordinal)) && MoreBits(layer, layers))
            {
                type = GgmlType.Q6_K;
            }
            else if (name.EndsWith("attn_qkv.weight", StringComparison.Ordinal))
            {
                type = format == "Q4_K_M" ? GgmlType.Q5_K : GgmlType.Q6_K;
            }
        }

        if (columns % type.BlockSize() != 0)
        {
            type = type switch
            {
                GgmlType.Q4_K => GgmlType.Q5_0,
                GgmlType.Q5_K => GgmlType.Q5_1,
                GgmlType.Q6_K => GgmlType.Q8_0,
                _ => type,
            };
            if (columns % type.BlockSize() != 0)
            {
                type = GgmlType.F16;
            }
        }

        return type;
    }

    // llama.cpp's use_more_bits: the first and last eighth of the layers, and every third layer in between.
    private static bool MoreBits(int layer, int layers) => layer < layers / 8 || layer >= 7 * layers / 8 || (layer - (layers / 8)) % 3 == 2;
}
