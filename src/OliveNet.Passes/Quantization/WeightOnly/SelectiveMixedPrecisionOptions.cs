using OliveNet.Engine.Data;
using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>Options of <see cref="SelectiveMixedPrecisionPass"/>, named as Olive's SelectiveMixedPrecision pass names them.</summary>
[OliveOption("kld_memory_mode", Ignored = "Olive's modes (auto, full, multi_gpu, low_memory, offload) compute the same kld_gradient score and differ only in where the teacher, student and gradients live on GPUs; OliveNet scores layer by layer through ONNX Runtime on the CPU")]
public sealed record SelectiveMixedPrecisionOptions : IImplicitInputFiles
{
    /// <summary>How layers are chosen for high precision.</summary>
    [Option("How modules are chosen for high_bits: k_quant_last (LM head), k_quant_down (LM head and the down projections of the first and last eighth of the layers and every third layer between), k_quant_mixed (those plus the same layers' q/k/v), or by a score: on each weight's round-to-nearest error (snr, snr_relative, iqe, iqe_relative), or kld_gradient: the first-order drop in KL divergence from the float model's logits on calibration text when a module moves from bits to high_bits (a central difference through ONNX Runtime; needs calibration_text or data_config).",
        Candidates = new object[] { "k_quant_mixed", "k_quant_down", "k_quant_last", "snr", "snr_relative", "iqe", "iqe_relative", "kld_gradient" })]
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

    /// <summary>Calibration text file (kld_gradient).</summary>
    [Option("kld_gradient only: UTF-8 text file to score on (tokenized with the checkpoint's tokenizer.json, cut into max_seq_len-token samples). With neither this nor data_config, Olive's default: wikitext-2 (raw, train) from the local Hugging Face hub cache.", IsPath = true)]
    public string? CalibrationText { get; init; }

    /// <summary>The recipe's data config to score on (kld_gradient), as the recipe loader describes it.</summary>
    [Option("kld_gradient only: the data config to score on: in a recipe, the name of a local text data config (load_dataset_config text_files or jsonl, pre_process_data_config tokenize_text; its max_length sets the window), instead of calibration_text.")]
    public System.Text.Json.Nodes.JsonObject? DataConfig { get; init; }

    /// <summary>Tokens per calibration sample (kld_gradient).</summary>
    [Option("kld_gradient only: tokens per calibration sample (capped at the model's max_position_embeddings); Olive uses 512.")]
    public int MaxSeqLen { get; init; } = 512;

    /// <summary>Calibration samples (kld_gradient).</summary>
    [Option("kld_gradient only: most calibration samples to use; Olive uses 256. The cost grows with samples × units × layers.")]
    public int MaxSamples { get; init; } = 256;

    /// <inheritdoc/>
    public IReadOnlyList<string> ImplicitInputFiles() =>
        Algorithm == "kld_gradient" && CalibrationText is null && DataConfig is null ? HubDatasets.Find(HubDatasets.Wikitext2Train) ?? [] : [];
}
