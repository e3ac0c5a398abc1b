using OliveNet.Engine.Data;
using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>Options of <see cref="GptqPass"/>, named as Olive's Gptq pass names them.</summary>
[OliveOption("quantize_vision", Unsupported = "OliveNet exports text decoders only; there is no vision tower to quantize", NeutralJson = "false")]
[OliveOption("moe", Unsupported = "OliveNet's decoder families have no mixture-of-experts layers", NeutralJson = "false")]
[OliveOption("moe_fallback_threshold", Ignored = "applies to mixture-of-experts layers only")]
[OliveOption("moe_fallback_min_k_multiple", Ignored = "applies to mixture-of-experts layers only")]
public sealed record GptqOptions : IImplicitInputFiles
{
    /// <summary>Bits per weight.</summary>
    [Option("Bits per weight: 2, 4 or 8.", Candidates = new object[] { 4, 8 })]
    public int Bits { get; init; } = 4;

    /// <summary>Input values per group.</summary>
    [Option("Input values per quantization group; -1 for one group per output channel.", Candidates = new object[] { 32, 64, 128, -1 })]
    public int GroupSize { get; init; } = 128;

    /// <summary>Symmetric groups.</summary>
    [Option("Symmetric groups (scale from max |w|, zero point at the midpoint) or asymmetric (min/max scale and a stored zero point).", Candidates = new object[] { false, true })]
    public bool Sym { get; init; }

    /// <summary>Quantize the LM head (with GPTQ, on the final norm's outputs).</summary>
    [Option("Quantize the LM head too, with GPTQ on the final norm's outputs (a tied head is untied).")]
    public bool LmHead { get; init; }

    /// <summary>Module name patterns left in float.</summary>
    [Option("Module names to leave in float: a plain entry matches as a substring, 're:PATTERN' as a full regular-expression match.")]
    public string[]? ModulesToNotConvert { get; init; }

    /// <summary>Per-module settings.</summary>
    [Option("Per-module settings {module: {bits, group_size, symmetric}}; keys match literally or as 're:PATTERN'. They win over a SelectiveMixedPrecision plan.")]
    public Dictionary<string, QuantOverride>? Overrides { get; init; }

    /// <summary>Hessian damping as a fraction of its mean diagonal.</summary>
    [Option("Damping added to the Hessian's diagonal, as a fraction of its mean diagonal.", Candidates = new object[] { 0.001, 0.01, 0.1 })]
    public double DampPercent { get; init; } = 0.01;

    /// <summary>Act-order.</summary>
    [Option("Act-order: quantize columns in order of decreasing Hessian diagonal. Only with group_size -1; null means true for -1 and false otherwise.")]
    public bool? DescAct { get; init; }

    /// <summary>Calibration text file.</summary>
    [Option("UTF-8 text file to calibrate on (tokenized with the checkpoint's tokenizer.json, cut into max_seq_len-token samples). With neither this nor data_config, Olive's default: wikitext-2 (raw, train) from the local Hugging Face hub cache.", IsPath = true)]
    public string? CalibrationText { get; init; }

    /// <summary>The recipe's data config to calibrate on, as the recipe loader describes it.</summary>
    [Option("The data config to calibrate on: in a recipe, the name of a local text data config (load_dataset_config text_files or jsonl, pre_process_data_config tokenize_text; its max_length sets the window), instead of calibration_text. OliveNet fills in the resolved config.")]
    public System.Text.Json.Nodes.JsonObject? DataConfig { get; init; }

    /// <summary>Tokens per calibration sample.</summary>
    [Option("Tokens per calibration sample (capped at the model's max_position_embeddings).")]
    public int MaxSeqLen { get; init; } = 2048;

    /// <summary>Calibration samples.</summary>
    [Option("Most calibration samples to use.")]
    public int MaxSamples { get; init; } = 128;

    /// <inheritdoc/>
    public IReadOnlyList<string> ImplicitInputFiles() => CalibrationText is null && DataConfig is null ? HubDatasets.Find(HubDatasets.Wikitext2Train) ?? [] : [];
}
