namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>Chooses a block's scale and float zero point and writes its quantized values (HQQ). Must be thread-safe and deterministic.</summary>
internal interface IBlockOptimizer
{
    /// <summary>Quantizes <paramref name="block"/> into <paramref name="q"/> (0..2^bits−1); returns the scale and zero point.</summary>
    (float Scale, float ZeroPoint) Quantize(ReadOnlySpan<float> block, Span<byte> q, int bits);
}
