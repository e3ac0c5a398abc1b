using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Quantization.QdqConversion;

/// <summary>Options of <see cref="MatMulNBitsToQdqPass"/>, named as Olive names them.</summary>
public sealed record MatMulNBitsToQdqOptions
{
    /// <summary>Keep the weight [N, K] and add a Transpose after DequantizeLinear.</summary>
    [Option("Keep the quantized weight in MatMulNBits' [N, K] order and add a Transpose after DequantizeLinear (axis 1); false (Olive's default) stores it transposed, [K, N] with axis 0.")]
    public bool UseTransposeOp { get; init; }

    /// <summary>Signed int4 weights (Olive's older name for use_signed_int at 4 bits).</summary>
    [Option("Write 4-bit weights as int4 (values − 8) instead of uint4. Olive's older name for use_signed_int, at 4 bits only.")]
    public bool UseInt4 { get; init; }

    /// <summary>Signed weights at any bit width.</summary>
    [Option("Write int4/int8 weights (values − 2^(bits−1)) instead of uint4/uint8; then zero points of 0 are left out unless add_zero_point.")]
    public bool UseSignedInt { get; init; }

    /// <summary>Write the zero-point input even when it is the default.</summary>
    [Option("Always give DequantizeLinear a zero-point input, even for symmetric signed weights whose zero points would all be 0.")]
    public bool AddZeroPoint { get; init; }

    /// <summary>MatMulNBits nodes left as they are.</summary>
    [Option("Names of MatMulNBits nodes to leave as they are.")]
    public string[] NodesToExclude { get; init; } = [];
}
