namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>
/// A <c>[K, N]</c> MatMul weight in ONNX Runtime's MatMulNBits layout: blocks of <see cref="BlockSize"/> consecutive k
/// values per column n, K zero-padded to <c>KBlocks·BlockSize</c>. <c>W[k, n] ≈ (q − zp)·Scales[n·KBlocks + k/BlockSize]</c>.
/// The arrays are owned by this record and not copied when written to a model.
/// </summary>
/// <param name="K">Rows of the original weight (MatMul's reduction dimension).</param>
/// <param name="N">Columns of the original weight (MatMul's output features).</param>
/// <param name="Bits">4 or 8.</param>
/// <param name="BlockSize">k values per block: a power of two from 16 to 256.</param>
/// <param name="Packed">uint8 <c>[N, KBlocks, BlockSize·Bits/8]</c>; 4-bit values LSB-first (element 2j low nibble).</param>
/// <param name="Scales">float <c>[N·KBlocks]</c>; negative for symmetric blocks whose largest magnitude is positive.</param>
/// <param name="ZeroPoints">uint8 packed like <see cref="Packed"/> per row n (each row padded to a whole byte); null when symmetric.</param>
/// <param name="FloatZeroPoints">float <c>[N·KBlocks]</c> zero points (HQQ); null otherwise.</param>
public sealed record BlockQuantizedWeight(
    int K,
    int N,
    int Bits,
    int BlockSize,
    byte[] Packed,
    float[] Scales,
    byte[]? ZeroPoints,
    float[]? FloatZeroPoints)
{
    /// <summary>Blocks per column: <c>ceil(K / BlockSize)</c>.</summary>
    public int KBlocks => (K + BlockSize - 1) / BlockSize;

    /// <summary>Bytes of one block in <see cref="Packed"/>.</summary>
    public int BlobSize => BlockSize * Bits / 8;

    /// <summary>The quantized integer (0..2^Bits−1) of weight element <c>[k, n]</c>.</summary>
    public int Q(int k, int n)
    {
        var index = ((long)n * KBlocks * BlockSize) + k;
        return Bits == 8 ? Packed[index] : (Packed[index / 2] >> (int)(4 * (index & 1))) & 0xF;
    }

    /// <summary>The zero point of block <paramref name="block"/> of column <paramref name="n"/> (the default 2^(Bits−1) when symmetric).</summary>
    public float ZeroPoint(int block, int n)
    {
        if (FloatZeroPoints is not null)
        {
            return FloatZeroPoints[(n * KBlocks) + block];
        }

        if (ZeroPoints is null)
        {
            return 1 << (Bits - 1);
        }

        if (Bits == 8)
        {
            return ZeroPoints[(n * KBlocks) + block];
        }

        var rowBytes = (KBlocks + 1) / 2;
        return (ZeroPoints[(n * rowBytes) + (block / 2)] >> (4 * (block & 1))) & 0xF;
    }

    /// <summary>The value MatMulNBits reconstructs for <c>[k, n]</c>: <c>(q − zp)·scale</c>.</summary>
    public float Dequantize(int k, int n)
    {
        var block = k / BlockSize;
        return (Q(k, n) - ZeroPoint(block, n)) * Scales[(n * KBlocks) + block];
    }
}
