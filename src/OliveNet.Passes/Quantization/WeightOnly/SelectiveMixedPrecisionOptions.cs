using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>Options of <see cref="SelectiveMixedPrecisionPass"/>, named as Olive's SelectiveMixedPrecision pass names them.</summary>
[OliveOption("kld_memory_mode", Ignored = "applies to kld_gradient, which OliveNet does not implement")]
public sealed record SelectiveMixedPrecisionOptions
{
    /// <summary>How layers are chosen for high precision.</summary>
    [Option("How modules are chosen for high_bits: k_quant_last (LM head), k_quant_down (LM head and the down projections of the first and last eighth of the layers and every third layer between), k_quant_mixed (those plus the same layers' q/k/v), or by a score on each weight's round-to-nearest error: snr, snr_relative, iqe, iqe_relative (kld_gradient is not implemented).",
        Candidates = new object[] { "k_quant_mixed", "k_quant_down", "k_quant_last", "snr", "snr_relative", "iqe", "iqe_relative" })]
    public string? Algorithm { get; init; }

    /// <summary>Default bits.</summary>
    [Option("Bits of the modules not chosen.", Candidates = new object[] { 4, 8 })]
    public int Bits { get; init; } = 4;

    /// <summary>Default group size (score-based algorithms).</summary>
    [Option("Group size of the modules not chosen; score-based algorithms only (k_quant leaves it to the quantizing pass).")]
    public int GroupSize { get; init; } = 128;

    /// <summary>Default symmetry (score-based algorithms).</summary>
    [Option("Symmetric groups for the modules not chosen; score-based algorithms only.")]
    public bool Sym { get; init; }

    /// <summary>Bits of the chosen modules.</summary>
    [Option("Bits of the chosen modules.", Candidates = new object[] { 8 })]
    public int HighBits { get; init; } = 8;

    /// <summary>Group size of the chosen modules; null = group_size.</summary>
    [Option("Group size of the chosen modules (score-based algorithms); null uses group_size.")]
    public int? HighGroupSize { get; init; }

    /// <summary>Symmetry of the chosen modules; null = sym.</summary>
    [Option("Symmetric groups for the chosen modules (score-based algorithms); null uses sym.")]
    public bool? HighSym { get; init; }

    /// <summary>Fraction of parameters kept at the default precision (score-based algorithms).</summary>
    [Option("Fraction of the scored parameters that stay at bits; the most sensitive modules are promoted until the rest is reached. Required by score-based algorithms, in (0, 1).", Candidates = new object[] { 0.5, 0.8, 0.9, 0.95 })]
    public double? Ratio { get; init; }
}
