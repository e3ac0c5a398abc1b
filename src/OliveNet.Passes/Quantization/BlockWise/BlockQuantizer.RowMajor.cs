using System.Runtime.Intrinsics;

namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>
/// The round-to-nearest kernel. It reads the row-major <c>[K, N]</c> weight sequentially, one block row (block_size rows
/// of K) at a time, with vectors across columns: a first sweep gathers every column's min and max, a second writes the
/// codes straight into their <c>[N, k_blocks, blob]</c> places. No transpose, no strided reads.
/// </summary>
public static partial class BlockQuantizer
{
    private delegate ReadOnlySpan<float> WeightView();

    private static BlockQuantizedWeight QuantizeRowMajor(long length, int k, int n, int bits, int blockSize, bool symmetric, WeightView view)
    {
        Check(length, k, n, bits, blockSize);
        var kBlocks = (k + blockSize - 1) / blockSize;
        var blob = blockSize * bits / 8;
        var packed = new byte[(long)n * kBlocks * blob];
        var scales = new float[(long)n * kBlocks];
        var zeroPointRow = bits == 8 ? kBlocks : (kBlocks + 1) / 2;
        var zeroPoints = symmetric ? null : new byte[(long)n * zeroPointRow];

        // Each task writes disjoint parts of every output, so the result does not depend on the thread schedule. At 4 bits
        // two block rows share each zero-point byte (one nibble each), so one task takes both rows of a pair: split
        // across threads, their read-modify-writes of that byte raced and lost nibbles.
        var rowsPerTask = bits == 4 ? 2 : 1;
        Parallel.For(
            0,
            (kBlocks + rowsPerTask - 1) / rowsPerTask,
            () => new RowScratch(n),
            (task, _, scratch) =>
            {
                for (var b = task * rowsPerTask; b < Math.Min(kBlocks, (task + 1) * rowsPerTask); b++)
                {
                    BlockRow(view(), k, n, b, bits, blockSize, symmetric, scratch, packed, scales, zeroPoints, zeroPointRow);
                }

                return scratch;
            },
            _ => { });
        return new BlockQuantizedWeight(k, n, bits, blockSize, packed, scales, zeroPoints, null);
    }

    private sealed class RowScratch(int n)
    {
        public float[] Min { get; } = new float[n];
        public float[] Max { get; } = new float[n];
        public float[] Divisor { get; } = new float[n];
        public float[] ZeroPoint { get; } = new float[n];
        public float[] Zeros { get; } = new float[n];
    }

    private static void BlockRow(
        ReadOnlySpan<float> w, int k, int n, int b, int bits, int blockSize, bool symmetric, RowScratch scratch,
        byte[] packed, float[] scales, byte[]? zeroPoints, int zeroPointRow)
    {
        var kBlocks = (k + blockSize - 1) / blockSize;
        var blob = blockSize * bits / 8;
        var r0 = b * blockSize;
        var rows = Math.Min(blockSize, k - r0);
        var mid = 1 << (bits - 1);
        var qMax = (1 << bits) - 1;
        Span<float> min = scratch.Min, max = scratch.Max;
        min.Fill(float.PositiveInfinity);
        max.Fill(float.NegativeInfinity);
        for (var r = 0; r < rows; r++)
        {
            MinMaxInto(w.Slice((r0 + r) * n, n), min, max);
        }

        if (rows < blockSize)
        {
            // The zero padding of the last block takes part in its range, as in the padded reference.
            MinMaxInto(scratch.Zeros, min, max);
        }

        for (var c = 0; c < n; c++)
        {
            float scale, zero;
            if (symmetric)
            {
                var absMax = Math.Abs(max[c]) > Math.Abs(min[c]) ? max[c]
                    : Math.Abs(min[c]) > Math.Abs(max[c]) ? min[c]
                    : FirstOfMagnitude(w, r0, rows, n, c, Math.Abs(max[c]));
                scale = absMax / -mid;
                zero = mid;
            }
            else
            {
                var lo = Math.Min(min[c], 0f);
                var hi = Math.Max(max[c], 0f);
                scale = (hi - lo) / qMax;
                zero = scale == 0f ? mid : (int)Math.Clamp(MathF.Round(-lo / scale), 0f, qMax);
                var at = ((long)c * zeroPointRow) + (bits == 8 ? b : b / 2);
                zeroPoints![at] = bits == 8 ? (byte)zero : (byte)(zeroPoints[at] | ((int)zero << (4 * (b & 1))));
            }

            scales[((long)c * kBlocks) + b] = scale;

            // A zero scale means an all-zero block: dividing by 1 and adding the middle code gives q = zp = mid.
            scratch.Divisor[c] = scale == 0f ? 1f : scale;
            scratch.ZeroPoint[c] = symmetric ? 0f : zero;
        }

        var (codeLo, codeHi, offset) = symmetric ? (-mid, mid - 1, mid) : (0, qMax, 0);
        var step = bits == 4 ? 2 : 1;
        for (var r = 0; r < blockSize; r += step)
        {
            var first = r < rows ? w.Slice((r0 + r) * n, n) : scratch.Zeros;
            var second = bits == 4 && r + 1 < rows ? w.Slice((r0 + r + 1) * n, n) : scratch.Zeros;
            var byteInBlob = bits == 4 ? r / 2 : r;
            WriteCodes(first, second, bits, scratch, codeLo, codeHi, offset, packed, ((long)b * blob) + byteInBlob, (long)kBlocks * blob);
        }
    }

    /// <summary>One byte per column: the code of <paramref name="first"/> (8-bit), or it in the low nibble and <paramref name="second"/>'s in the high one.</summary>
    private static void WriteCodes(
        ReadOnlySpan<float> first, ReadOnlySpan<float> second, int bits, RowScratch scratch, int codeLo, int codeHi, int offset,
        byte[] packed, long start, long columnStride)
    {
        var n = first.Length;
        var c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var lo = Vector256.Create((float)codeLo);
            var hi = Vector256.Create((float)codeHi);
            var vOffset = Vector256.Create(offset);
            var lanes = Vector256<float>.Count;
            for (; c <= n - lanes; c += lanes)
            {
                var divisor = Vector256.Create(scratch.Divisor.AsSpan(c, lanes));
                var zero = Vector256.Create(scratch.ZeroPoint.AsSpan(c, lanes));
                var code = Code(Vector256.Create(first.Slice(c, lanes)), divisor, zero, lo, hi, vOffset);
                if (bits == 4)
                {
                    code |= Code(Vector256.Create(second.Slice(c, lanes)), divisor, zero, lo, hi, vOffset) << 4;
                }

                var at = start + (c * columnStride);
                for (var j = 0; j < lanes; j++, at += columnStride)
                {
                    packed[at] = (byte)code.GetElement(j);
                }
            }
        }

        for (; c < n; c++)
        {
            var code = Code(first[c], scratch.Divisor[c], scratch.ZeroPoint[c], codeLo, codeHi, offset);
            if (bits == 4)
            {
                code |= Code(second[c], scratch.Divisor[c], scratch.ZeroPoint[c], codeLo, codeHi, offset) << 4;
            }

            packed[start + (c * columnStride)] = (byte)code;
        }
    }

    private static void MinMaxInto(ReadOnlySpan<float> row, Span<float> min, Span<float> max)
    {
        var c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var lanes = Vector256<float>.Count;
            for (; c <= row.Length - lanes; c += lanes)
            {
                var v = Vector256.Create(row.Slice(c, lanes));
                Vector256.Min(Vector256.Create(min.Slice(c, lanes)), v).CopyTo(min.Slice(c, lanes));
                Vector256.Max(Vector256.Create(max.Slice(c, lanes)), v).CopyTo(max.Slice(c, lanes));
            }
        }

        for (; c < row.Length; c++)
        {
            min[c] = Math.Min(min[c], row[c]);
            max[c] = Math.Max(max[c], row[c]);
        }
    }

    /// <summary>The first value of column <paramref name="c"/> in the block whose magnitude is <paramref name="magnitude"/> (tie between +m and −m).</summary>
    private static float FirstOfMagnitude(ReadOnlySpan<float> w, int r0, int rows, int n, int c, float magnitude)
    {
        for (var r = 0; r < rows; r++)
        {
            var v = w[((r0 + r) * n) + c];
            if (Math.Abs(v) == magnitude)
            {
                return v;
            }
        }

        return magnitude;
    }
}
