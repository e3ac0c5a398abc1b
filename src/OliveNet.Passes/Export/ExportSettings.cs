namespace OliveNet.Passes.Export;

/// <summary>ModelBuilder options resolved for the graph builder.</summary>
/// <param name="Precision">fp32, fp16, int8 or int4.</param>
/// <param name="BlockSize">K values per MatMulNBits block.</param>
/// <param name="Symmetric">Symmetric blocks (no zero points).</param>
/// <param name="AccuracyLevel">MatMulNBits accuracy_level (0 = unset).</param>
/// <param name="ExcludeEmbeds">Take inputs_embeds.</param>
/// <param name="ExcludeLmHead">Output hidden_states.</param>
/// <param name="ChunkElements">Weights above this many elements are converted and written in chunks of about this size.</param>
/// <remarks>
/// The properties beyond the positional ones default to <see cref="ModelBuilderOptions"/>' defaults, except
/// <see cref="PruneLmHead"/>, which is off here so that tests and tools building settings directly get logits for
/// every position unless they ask otherwise.
/// </remarks>
internal sealed record ExportSettings(
    string Precision, int BlockSize, bool Symmetric, int AccuracyLevel, bool ExcludeEmbeds, bool ExcludeLmHead, long ChunkElements = 8L << 20)
{
    /// <summary>The node name of the LM head projection (Olive's and the GenAI builder's name for it).</summary>
    public const string LmHeadNode = "/model/lm_head/MatMul";

    /// <summary>The node name of the token embedding lookup.</summary>
    public const string EmbeddingNode = "/model/embed_tokens/Gather";

    /// <summary>The algo_config values the GenAI builder accepts (its legacy compound names included).</summary>
    public static readonly string[] AlgoConfigs = ["default", "rtn", "rtn_last", "k_quant", "k_quant_last", "k_quant_mixed", "k_quant_linear"];

    /// <summary>Projections (and the LM head) are quantized in int4/int8.</summary>
    public bool QuantizeMatMul { get; init; } = true;

    /// <summary>The token embedding is quantized (GatherBlockQuantized) in int4/int8.</summary>
    public bool QuantizeGather { get; init; } = true;

    /// <summary>Node names whose weights stay float.</summary>
    public IReadOnlySet<string> NodesToExclude { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The GenAI builder's algo_config (which MatMuls get 8 bits in an int4 export).</summary>
    public string AlgoConfig { get; init; } = "default";

    /// <summary>Logits for the last position only.</summary>
    public bool PruneLmHead { get; init; }

    /// <summary>Output hidden_states beside logits.</summary>
    public bool IncludeHiddenStates { get; init; }

    /// <summary>One MatMul for the MLP's gate and up projections.</summary>
    public bool FuseGateUp { get; init; }

    /// <summary>4 or 8 for quantized precisions, 0 for float.</summary>
    public int Bits => Precision switch
    {
        "int4" => 4,
        "int8" => 8,
        _ => 0,
    };

    /// <summary>The LM head gets 8 bits in an int4 export (the algo_config's last_matmul placement).</summary>
    public bool LastMatMulInt8 => AlgoConfig is "rtn_last" or "k_quant_last" or "k_quant_mixed" or "k_quant_linear";

    /// <summary>Each block's scale and zero point are searched to minimise its weighted squared error (the k_quant* recipes) instead of rounded to nearest.</summary>
    public bool SearchScales => AlgoConfig.StartsWith("k_quant", StringComparison.Ordinal);

    /// <summary>The most quantization-sensitive projections get 8 bits in an int4 export (the algo_config's mixed_layers placement).</summary>
    public bool MixedLayersInt8 => AlgoConfig == "k_quant_mixed";

    /// <summary>From pass options.</summary>
    public static ExportSettings From(ModelBuilderOptions o) =>
        new(o.Precision.ToLowerInvariant(), o.Int4BlockSize, o.Int4IsSymmetric, o.Int4AccuracyLevel, o.ExcludeEmbeds, o.ExcludeLmHead)
        {
            QuantizeMatMul = o.Int4OpTypesToQuantize.Contains("MatMul", StringComparer.Ordinal),
            QuantizeGather = o.Int4OpTypesToQuantize.Contains("Gather", StringComparer.Ordinal),
            NodesToExclude = o.Int4NodesToExclude.ToHashSet(StringComparer.Ordinal),
            AlgoConfig = o.Int4AlgoConfig.ToLowerInvariant(),
            PruneLmHead = o.PruneLmHead && !o.ExcludeLmHead,
            IncludeHiddenStates = o.IncludeHiddenStates,
            FuseGateUp = o.FuseGateUp,
        };
}
