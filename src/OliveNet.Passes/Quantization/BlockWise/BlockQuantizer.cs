using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OliveNet.Passes.Quantization.Common;

namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>
/// Round-to-nearest block quantization with the arithmetic of ONNX Runtime's <c>MatMulNBitsQuantizer</c> (its numpy
/// mirror of MLAS <c>quantize_matmul_4bits</c>), extended to 8 bits with the same rules:
/// <list type="bullet">
/// <item>symmetric: <c>absmax</c> is the signed value of largest magnitude (the first one on a tie),
/// <c>s = absmax / −2^(bits−1)</c>, <c>q = clamp(round(x/s), −2^(bits−1), 2^(bits−1)−1)</c> stored as <c>q + 2^(bits−1)</c>;</item>
/// <item>asymmetric: <c>min = min(x, 0)</c>, <c>max = max(x, 0)</c>, <c>s = (max − min)/(2^bits − 1)</c>,
/// <c>zp = clamp(round(−min/s), 0, 2^bits − 1)</c>, <c>q = clamp(round(x/s + zp), 0, 2^bits − 1)</c>;
/// <c>s = 0</c> gives <c>q = zp = 2^(bits−1)</c> (8 or 128), which dequantizes to 0.</item>
/// </list>
/// Rounding is half to even, as numpy's. Thread-safe; the weight is read, never written.
/// </summary>
public static partial class BlockQuantizer
{
    private const int TileColumns = 16;

    /// <summary>Quantizes a row-major float <c>[k, n]</c> weight.</summary>
    /// <exception cref="ArgumentException">The lengths or sizes do not fit.</exception>
    public static BlockQuantizedWeight Quantize(float[] weight, int k, int n, int bits, int blockSize, bool symmetric)
    {
        ArgumentNullException.ThrowIfNull(weight);
        return QuantizeRowMajor(weight.Length, k, n, bits, blockSize, symmetric, () => weight);
    }

    /// <summary>Quantizes a row-major <c>[k, n]</c> weight given as little-endian float32 bytes (a tensor's raw data).</summary>
    public static BlockQuantizedWeight QuantizeRaw(byte[] float32Bytes, int k, int n, int bits, int blockSize, bool symmetric) =>
        QuantizeRaw(float32Bytes, k, n, bits, blockSize, symmetric, null);

    /// <summary>As <see cref="QuantizeRaw(byte[], int, int, int, int, bool)"/> with a custom per-block quantizer (HQQ).</summary>
    internal static BlockQuantizedWeight QuantizeRaw(byte[] float32Bytes, int k, int n, int bits, int blockSize, bool symmetric, IBlockOptimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(float32Bytes);
        if (optimizer is null)
        {
            return QuantizeRowMajor(float32Bytes.Length / sizeof(float), k, n, bits, blockSize, symmetric, () => MemoryMarshal.Cast<byte, float>(float32Bytes.AsSpan()));
        }

        return Quantize(float32Bytes.Length / sizeof(float), k, n, bits, blockSize, symmetric, optimizer, (tile, buffer, n0, width, kPad) =>
            Gather(MemoryMarshal.Cast<byte, float>(float32Bytes.AsSpan()), k, n, n0, width, kPad, buffer));
    }

    /// <summary>Quantizes a float <c>[k, n]</c> weight with a custom per-block quantizer.</summary>
    internal static BlockQuantizedWeight Quantize(float[] weight, int k, int n, int bits, int blockSize, IBlockOptimizer optimizer) =>
        Quantize(weight.Length, k, n, bits, blockSize, symmetric: false, optimizer, (tile, buffer, n0, width, kPad) =>
            Gather(weight, k, n, n0, width, kPad, buffer));

    /// <summary>
    /// Quantizes a float <c>[k, n]</c> weight with the k-quant recipes' search of each block's scale and integer zero
    /// point (<see cref="KQuantScaleSearch"/>): the same layout as <see cref="Quantize(float[], int, int, int, int, bool)"/>,
    /// each block's weighted squared error at most round-to-nearest's.
    /// </summary>
    internal static BlockQuantizedWeight QuantizeSearched(float[] weight, int k, int n, int bits, int blockSize, bool symmetric) =>
        Quantize(weight.Length, k, n, bits, blockSize, symmetric, null, (tile, buffer, n0, width, kPad) => Gather(weight, k, n, n0, width, kPad, buffer), search: true);

    /// <summary>
    /// Quantizes one block of <paramref name="block"/>.Length values (a multiple of 8) into <paramref name="q"/>
    /// (unsigned, 0..2^bits−1). Returns the scale and the stored zero point.
    /// </summary>
    public static (float Scale, int ZeroPoint) QuantizeBlock(ReadOnlySpan<float> block, Span<byte> q, int bits, bool symmetric)
    {
        var qMax = (1 << bits) - 1;
        var mid = 1 << (bits - 1);
        var (min, max) = SpanStats.MinMax(block);
        float scale;
        int zeroPoint;
        if (symmetric)
        {
            var absMax = Math.Abs(max) > Math.Abs(min) ? max
                : Math.Abs(min) > Math.Abs(max) ? min
                : FirstOfMagnitude(block, Math.Abs(max));
            scale = absMax / -mid;
            zeroPoint = mid;
        }
        else
        {
            min = Math.Min(min, 0f);
            max = Math.Max(max, 0f);
            scale = (max - min) / qMax;
            zeroPoint = scale == 0f ? mid : (int)Math.Clamp(MathF.Round(-min / scale), 0f, qMax);
        }

        if (scale == 0f)
        {
            q.Fill((byte)mid);
            return (scale, mid);
        }

        if (symmetric)
        {
            RoundClamp(block, q, scale, 0f, -mid, mid - 1, mid);
        }
        else
        {
            RoundClamp(block, q, scale, zeroPoint, 0, qMax, 0);
        }

        return (scale, zeroPoint);
    }

    /// <summary><c>q[i] = clamp(round(x[i]/scale + zp), lo, hi) + offset</c>, eight lanes at a time.</summary>
    internal static void RoundClamp(ReadOnlySpan<float> block, Span<byte> q, float scale, float zeroPoint, int lo, int hi, int offset)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(scale);
            var z = Vector256.Create(zeroPoint);
            var vLo = Vector256.Create((float)lo);
            var vHi = Vector256.Create((float)hi);
            var vOffset = Vector256.Create(offset);
            for (; i <= block.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Code(Vector256.Create(block.Slice(i, Vector256<float>.Count)), s, z, vLo, vHi, vOffset);
                for (var j = 0; j < Vector256<int>.Count; j++)
                {
                    q[i + j] = (byte)v.GetElement(j);
                }
            }
        }

        for (; i < block.Length; i++)
        {
            q[i] = (byte)Code(block[i], scale, zeroPoint, lo, hi, offset);
        }
    }

    /// <summary>The scalar form of every code this class writes: <c>clamp(round(x/s + zp), lo, hi) + offset</c>.</summary>
    internal static int Code(float x, float scale, float zeroPoint, int lo, int hi, int offset) =>
        (int)Math.Clamp(MathF.Round((x / scale) + zeroPoint), lo, hi) + offset;

    /// <summary>The vector form of <see cref="Code(float, float, float, int, int, int)"/>, with the same operations in the same order.</summary>
    internal static Vector256<int> Code(Vector256<float> x, Vector256<float> scale, Vector256<float> zeroPoint, Vector256<float> lo, Vector256<float> hi, Vector256<int> offset) =>
        Vector256.ConvertToInt32(Vector256.Min(Vector256.Max(Vector256.Round((x / scale) + zeroPoint), lo), hi)) + offset;

    /// <summary>Writes <paramref name="q"/> into <paramref name="destination"/>: bytes for 8 bits, nibbles (even element low) for 4.</summary>
    internal static void Pack(ReadOnlySpan<byte> q, Span<byte> destination, int bits)
    {
        if (bits == 8)
        {
            q.CopyTo(destination);
            return;
        }

        for (var j = 0; j < destination.Length; j++)
        {
            destination[j] = (byte)(q[2 * j] | (q[(2 * j) + 1] << 4));
        }
    }

    private static float FirstOfMagnitude(ReadOnlySpan<float> values, float magnitude)
    {
        foreach (var v in values)
        {
            if (Math.Abs(v) == magnitude)
            {
                return v;
            }
        }

        return magnitude;
    }

    private static void Check(long length, int k, int n, int bits, int blockSize)
    {
        if (bits is not (4 or 8))
        {
            throw new ArgumentException($"bits must be 4 or 8, not {bits}.", nameof(bits));
        }

        if (blockSize < 16 || blockSize > 256 || (blockSize & (blockSize - 1)) != 0)
        {
            throw new ArgumentException($"block_size must be a power of two from 16 to 256, not {blockSize}.", nameof(blockSize));
        }

        if (k <= 0 || n <= 0 || length != (long)k * n)
        {
            throw new ArgumentException($"A [{k}, {n}] weight needs {(long)k * n} floats; got {length}.", nameof(length));
        }
    }

    private delegate void TileGather(int tile, Span<float> buffer, int n0, int width, int kPad);

    private static BlockQuantizedWeight Quantize(
        long length, int k, int n, int bits, int blockSize, bool symmetric, IBlockOptimizer? optimizer, TileGather gather, bool search = false)
    {
        Check(length, k, n, bits, blockSize);
        var kBlocks = (k + blockSize - 1) / blockSize;
        var kPad = kBlocks * blockSize;
        var blob = blockSize * bits / 8;
        var packed = new byte[(long)n * kBlocks * blob];
        var scales = new float[(long)n * kBlocks];
        var zeroPointRow = bits == 8 ? kBlocks : (kBlocks + 1) / 2;
        var zeroPoints = symmetric || optimizer is not null ? null : new byte[(long)n * zeroPointRow];
        var floatZeroPoints = optimizer is null ? null : new float[(long)n * kBlocks];
        var tiles = (n + TileColumns - 1) / TileColumns;

        // Used with a per-block optimizer (HQQ) or the k-quant search, which need each block contiguous.
        // Tiles of columns are independent and write disjoint parts of the outputs, so the result is the same whatever
        // the thread schedule. Each tile is first transposed so every block is a contiguous run of k values.
        Parallel.For(
            0,
            tiles,
            () => (Buffer: new float[TileColumns * kPad], Q: new byte[blockSize]),
            (tile, _, scratch) =>
            {
                var n0 = tile * TileColumns;
                var width = Math.Min(TileColumns, n - n0);
                gather(tile, scratch.Buffer, n0, width, kPad);
                for (var c = 0; c < width; c++)
                {
                    var column = n0 + c;
                    for (var b = 0; b < kBlocks; b++)
                    {
                        var block = scratch.Buffer.AsSpan((c * kPad) + (b * blockSize), blockSize);
                        var index = ((long)column * kBlocks) + b;
                        if (optimizer is not null)
                        {
                            (scales[index], floatZeroPoints![index]) = optimizer.Quantize(block, scratch.Q, bits);
                        }
                        else
                        {
                            (scales[index], var zp) = search ? KQuantScaleSearch.Block(block, scratch.Q, bits, symmetric) : QuantizeBlock(block, scratch.Q, bits, symmetric);
                            if (zeroPoints is not null)
                            {
                                var at = ((long)column * zeroPointRow) + (bits == 8 ? b : b / 2);
                                zeroPoints[at] = bits == 8 ? (byte)zp : (byte)(zeroPoints[at] | (zp << (4 * (b & 1))));
                            }
                        }

                        Pack(scratch.Q, packed.AsSpan().Slice((int)(index * blob), blob), bits);
                    }
                }

                return scratch;
            },
            _ => { });

        return new BlockQuantizedWeight(k, n, bits, blockSize, packed, scales, zeroPoints, floatZeroPoints);
    }

    /// <summary>Copies columns <c>n0..n0+width</c> of the row-major weight into <paramref name="buffer"/> as rows of <paramref name="kPad"/> (zero tail).</summary>
    private static void Gather(ReadOnlySpan<float> weight, int k, int n, int n0, int width, int kPad, Span<float> buffer)
    {
        for (var row = 0; row < k; row++)
        {
            var source = weight.Slice((row * n) + n0, width);
            for (var c = 0; c < width; c++)
            {
                buffer[(c * kPad) + row] = source[c];
            }
        }

        for (var c = 0; c < width; c++)
        {
            buffer.Slice((c * kPad) + k, kPad - k).Clear();
        }
    }
}
