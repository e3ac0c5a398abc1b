using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>Options of <see cref="OnnxKQuantQuantizationPass"/>, named as Olive names them.</summary>
public sealed record OnnxKQuantQuantizationOptions
{
    /// <summary>Bits per weight, 4 or 8.</summary>
    [Option("Bits per weight: 4 or 8. Per-node exceptions go in customized_weight_config.", Candidates = new object[] { 4, 8 })]
    public int Bits { get; init; } = 4;

    /// <summary>Weights per block along K.</summary>
    [Option("Consecutive K values that share one scale and zero point: a power of two from 16 to 256 (Olive's default 32).", Candidates = new object[] { 32, 64, 128 })]
    public int BlockSize { get; init; } = 32;

    /// <summary>MatMulNBits accuracy_level; null or 0 leaves it unset.</summary>
    [Option("MatMulNBits accuracy_level: the minimum precision the CPU kernel computes in (1 fp32, 2 fp16, 3 bf16, 4 int8 activations). Null or 0 (Olive's unset) writes no attribute.")]
    public int? AccuracyLevel { get; init; }

    /// <summary>Per-node overrides of bits and group_size.</summary>
    [Option("Per-node settings by MatMul node name: bits (4 or 8) and/or group_size (the block size), e.g. {\"/model/layers.0/mlp/down_proj/MatMul\": {\"bits\": 8}} for mixed 4/8-bit.")]
    public Dictionary<string, Dictionary<string, int>> CustomizedWeightConfig { get; init; } = [];

    /// <summary>MatMul node names (or globs) to leave in float.</summary>
    [Option("MatMul nodes to leave in float: exact names, and entries with * or ? as Unix shell-style globs (e.g. */lm_head/*).")]
    public string[] NodesToExclude { get; init; } = [];
}
