using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>Options of <see cref="RtnPass"/>, named as Olive's Rtn pass names them.</summary>
[OliveOption("quantize_vision", Unsupported = "OliveNet exports text decoders only; there is no vision tower to quantize", NeutralJson = "false")]
[OliveOption("moe", Unsupported = "OliveNet's decoder families have no mixture-of-experts layers", NeutralJson = "false")]
public sealed record RtnOptions
{
    /// <summary>Bits per weight.</summary>
    [Option("Bits per weight: 2, 4 or 8.", Candidates = new object[] { 4, 8 })]
    public int Bits { get; init; } = 4;

    /// <summary>Input values per group.</summary>
    [Option("Input values per quantization group (one scale and zero point each); -1 for one group per output channel.", Candidates = new object[] { 32, 64, 128, -1 })]
    public int GroupSize { get; init; } = 128;

    /// <summary>Symmetric groups.</summary>
    [Option("Symmetric groups (scale from max |w|, zero point at the midpoint, none stored) or asymmetric (min/max scale and a stored zero point).", Candidates = new object[] { false, true })]
    public bool Sym { get; init; }

    /// <summary>Quantize the LM head.</summary>
    [Option("Quantize the LM head too (a tied head is untied unless the embeddings are quantized the same way).")]
    public bool LmHead { get; init; }

    /// <summary>Quantize the token embeddings.</summary>
    [Option("Quantize the token embedding table too.")]
    public bool Embeds { get; init; }

    /// <summary>Module name patterns left in float.</summary>
    [Option("Module names to leave in float: a plain entry matches as a substring, 're:PATTERN' as a full regular-expression match.")]
    public string[]? ModulesToNotConvert { get; init; }

    /// <summary>Per-module settings.</summary>
    [Option("Per-module settings {module: {bits, group_size, symmetric}}; keys match literally or as 're:PATTERN'. They win over a SelectiveMixedPrecision plan.")]
    public Dictionary<string, QuantOverride>? Overrides { get; init; }
}
