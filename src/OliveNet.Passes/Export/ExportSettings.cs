namespace OliveNet.Passes.Export;

/// <summary>ModelBuilder options resolved for the graph builder.</summary>
/// <param name="Precision">fp32, fp16, int8 or int4.</param>
/// <param name="BlockSize">K values per MatMulNBits block.</param>
/// <param name="Symmetric">Symmetric blocks (no zero points).</param>
/// <param name="AccuracyLevel">MatMulNBits accuracy_level (0 = unset).</param>
/// <param name="ExcludeEmbeds">Take inputs_embeds.</param>
/// <param name="ExcludeLmHead">Output hidden_states.</param>
/// <param name="ChunkElements">Weights above this many elements are converted and written in chunks of about this size.</param>
internal sealed record ExportSettings(
    string Precision, int BlockSize, bool Symmetric, int AccuracyLevel, bool ExcludeEmbeds, bool ExcludeLmHead, long ChunkElements = 8L << 20)
{
    /// <summary>4 or 8 for quantized precisions, 0 for float.</summary>
    public int Bits => Precision switch
    {
        "int4" => 4,
        "int8" => 8,
        _ => 0,
    };

    /// <summary>From pass options.</summary>
    public static ExportSettings From(ModelBuilderOptions o) =>
        new(o.Precision.ToLowerInvariant(), o.Int4BlockSize, o.Int4IsSymmetric, o.Int4AccuracyLevel, o.ExcludeEmbeds, o.ExcludeLmHead);
}
