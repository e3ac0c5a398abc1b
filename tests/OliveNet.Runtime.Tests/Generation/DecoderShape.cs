namespace OliveNet.Runtime.Tests.Generation;

/// <summary>The geometry of a generated Llama/Qwen-style decoder (see <see cref="DecoderBuilder"/>).</summary>
internal sealed record DecoderShape(int Layers, int Hidden, int Heads, int KvHeads, int HeadSize, int Intermediate, int Vocab, int MaxPositions)
{
    /// <summary>4-bit weights in com.microsoft MatMulNBits (block 32, symmetric) instead of fp32 MatMul for the layer projections.</summary>
    public bool Int4 { get; init; }

    /// <summary>RoPE base (Qwen3 uses 1e6).</summary>
    public double RopeTheta { get; init; } = 10000;

    /// <summary>Parameters: embeddings, layer projections, norms and the LM head.</summary>
    public long Parameters =>
        (2L * Vocab * Hidden) + Hidden + (Layers * ((2L * Hidden) + ((long)Hidden * HeadSize * (Heads + (2 * KvHeads))) + ((long)Heads * HeadSize * Hidden) + (3L * Hidden * Intermediate)));
}
