namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>A weight quantized per tensor (one scale) or per channel (one scale per index of the channel axis).</summary>
/// <param name="Values">The integers, one per element, as the stored byte (two's complement for int8).</param>
/// <param name="Scales">One scale per channel, or one.</param>
/// <param name="ZeroPoints">One zero point per channel, or one.</param>
internal sealed record QuantizedWeight(byte[] Values, float[] Scales, int[] ZeroPoints);
