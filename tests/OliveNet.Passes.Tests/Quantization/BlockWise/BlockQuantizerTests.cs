using OliveNet.Passes.Quantization.BlockWise;

namespace OliveNet.Passes.Tests.Quantization.BlockWise;

/// <summary>Hand-worked blocks: every expected byte below is derived in the comments from the rules in <see cref="BlockQuantizer"/>.</summary>
public sealed class BlockQuantizerTests
{
    [Fact]
    public void A_symmetric_4_bit_block_gives_the_hand_worked_bytes_and_a_negative_scale()
    {
        // |8| and |−8| tie: the first of largest magnitude (8, index 12) is absmax, so s = 8/−8 = −1 and q = clamp(round(−x), −8, 7) + 8.
        // −4..7 → 12,11,10,9,8,7,6,5,4,3,2,1; 8 → −8 → 0; −8 → 8 → clamp 7 → 15; ±0.5 → ∓0.5 → 0 (half to even) → 8.
        float[] x = [-4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, -8, 0.5f, -0.5f];
        var w = BlockQuantizer.Quantize(x, k: 16, n: 1, bits: 4, blockSize: 16, symmetric: true);

        Assert.Equal([0xBC, 0x9A, 0x78, 0x56, 0x34, 0x12, 0xF0, 0x88], w.Packed);
        Assert.Equal([-1f], w.Scales);
        Assert.Null(w.ZeroPoints);
    }

    [Fact]
    public void An_asymmetric_4_bit_block_gives_the_hand_worked_bytes_scale_and_zero_point()
    {
        // min −1.5, max 6: s = 7.5/15 = 0.5, zp = round(1.5/0.5) = 3, q = round(x/0.5 + 3):
        // −1.5→0, −1→1, −0.5→2, 0→3, 0.5→4, 1→5, 6→15, 5.75→14.5→14 (even), 0.25→3.5→4 (even), 0.2→3.4→3,
        // 2→7, 3→9, 4→11, 4.1→11.2→11, −0.75→1.5→2 (even), 1.25→5.5→6 (even).
        float[] x = [-1.5f, -1, -0.5f, 0, 0.5f, 1, 6, 5.75f, 0.25f, 0.2f, 2, 3, 4, 4.1f, -0.75f, 1.25f];
        var w = BlockQuantizer.Quantize(x, k: 16, n: 1, bits: 4, blockSize: 16, symmetric: false);

        Assert.Equal([0x10, 0x32, 0x54, 0xEF, 0x34, 0x97, 0xBB, 0x62], w.Packed);
        Assert.Equal([0.5f], w.Scales);
        Assert.Equal([0x03], w.ZeroPoints!);
    }

    [Fact]
    public void K_not_a_multiple_of_the_block_size_is_padded_with_zeros_that_quantize_to_the_zero_point()
    {
        // K = 20, block 16: block 1 holds 1, 2, 3, −4 then 12 zeros. absmax −4 → s = 0.5, q = round(2x) + 8 → 10, 12, 14, 0, then 8s.
        var x = new float[20];
        for (var i = 0; i < 16; i++)
        {
            x[i] = 1;
        }

        (x[16], x[17], x[18], x[19]) = (1, 2, 3, -4);
        var w = BlockQuantizer.Quantize(x, k: 20, n: 1, bits: 4, blockSize: 16, symmetric: true);

        Assert.Equal((1, 2, 8), (w.N, w.KBlocks, w.BlobSize));
        Assert.Equal([0xCA, 0x0E, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88], w.Packed[8..]);
        Assert.Equal(0.5f, w.Scales[1]);
    }

    [Fact]
    public void Zero_points_of_an_odd_number_of_blocks_pack_two_per_byte_with_each_row_padded()
    {
        // K = 48, block 16 → 3 blocks per column; each block spans [−zp, 15 − zp] so s = 1 and the zero point is exactly zp.
        // Rows of ceil(3/2) = 2 bytes: column 0 zps 1,2,3 → 0x21, 0x03; column 1 zps 4,5,6 → 0x54, 0x06 (high nibble of the pad is 0).
        int[,] zps = { { 1, 2, 3 }, { 4, 5, 6 } };
        var x = new float[48 * 2];
        for (var n = 0; n < 2; n++)
        {
            for (var b = 0; b < 3; b++)
            {
                x[(b * 16 * 2) + n] = -zps[n, b];
                x[(((b * 16) + 1) * 2) + n] = 15 - zps[n, b];
            }
        }

        var w = BlockQuantizer.Quantize(x, k: 48, n: 2, bits: 4, blockSize: 16, symmetric: false);

        Assert.Equal([0x21, 0x03, 0x54, 0x06], w.ZeroPoints!);
        Assert.All(w.Scales, s => Assert.Equal(1f, s));
        Assert.Equal(-3f, w.Dequantize(32, 0));
        Assert.Equal(10f, w.Dequantize(17, 1));
    }

    [Fact]
    public void An_all_zero_block_stores_the_middle_code_for_both_value_and_zero_point()
    {
        var w4 = BlockQuantizer.Quantize(new float[16], k: 16, n: 1, bits: 4, blockSize: 16, symmetric: false);
        Assert.All(w4.Packed, b => Assert.Equal(0x88, b));
        Assert.Equal([0x08], w4.ZeroPoints!);
        Assert.Equal([0f], w4.Scales);

        var w8 = BlockQuantizer.Quantize(new float[16], k: 16, n: 1, bits: 8, blockSize: 16, symmetric: false);
        Assert.All(w8.Packed, b => Assert.Equal(128, b));
        Assert.Equal([128], w8.ZeroPoints!);
    }

    [Fact]
    public void An_8_bit_symmetric_block_divides_the_signed_absmax_by_minus_128()
    {
        // absmax −64 → s = 0.5; q = round(2x) + 128: −64 → 0, 63.5 → 255, 0 → 128, 1 → 130.
        var x = new float[16];
        (x[0], x[1], x[2], x[3]) = (-64, 63.5f, 0, 1);
        var w = BlockQuantizer.Quantize(x, k: 16, n: 1, bits: 8, blockSize: 16, symmetric: true);

        Assert.Equal([0.5f], w.Scales);
        Assert.Equal([0, 255, 128, 130], w.Packed[..4]);
        Assert.Equal(16, w.Packed.Length);
    }

    [Fact]
    public void Every_weight_of_random_blocks_is_within_half_a_step_or_one_step_at_the_clamped_end()
    {
        // Asymmetric: the grid covers [min, max] with the zero point rounded, so |x − x̂| ≤ s/2.
        // Symmetric: x/s lies in [−8, 8); values with x/s ≥ 7.5 round to 8 and clamp to 7, so |x − x̂| < |s| there.
        const int k = 300, n = 40;
        var x = ModelRunner.SeededFloats(k * n, 11);
        foreach (var symmetric in new[] { true, false })
        {
            foreach (var bits in new[] { 4, 8 })
            {
                var w = BlockQuantizer.Quantize(x, k, n, bits, 64, symmetric);
                for (var row = 0; row < k; row++)
                {
                    for (var col = 0; col < n; col++)
                    {
                        var s = Math.Abs(w.Scales[(col * w.KBlocks) + (row / 64)]);
                        var bound = (symmetric ? s : s / 2) * (1 + 1e-5);
                        Assert.True(Math.Abs(x[(row * n) + col] - w.Dequantize(row, col)) <= bound, $"bits {bits} symmetric {symmetric} [{row},{col}]");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(4, true)]
    [InlineData(4, false)]
    [InlineData(8, true)]
    [InlineData(8, false)]
    public void The_row_major_kernel_matches_quantizing_each_padded_block_on_its_own(int bits, bool symmetric)
    {
        // K = 300 (last block padded), N = 37 (not a multiple of the vector width), and a tied ±absmax column.
        const int k = 300, n = 37, blockSize = 64;
        var x = ModelRunner.SeededFloats(k * n, 21);
        (x[5 * n], x[9 * n]) = (-2f, 2f);
        var w = BlockQuantizer.Quantize(x, k, n, bits, blockSize, symmetric);

        var block = new float[blockSize];
        var q = new byte[blockSize];
        for (var col = 0; col < n; col++)
        {
            for (var b = 0; b < w.KBlocks; b++)
            {
                Array.Clear(block);
                for (var r = 0; r < blockSize && (b * blockSize) + r < k; r++)
                {
                    block[r] = x[(((b * blockSize) + r) * n) + col];
                }

                var (scale, zeroPoint) = BlockQuantizer.QuantizeBlock(block, q, bits, symmetric);
                Assert.Equal(scale, w.Scales[(col * w.KBlocks) + b]);
                Assert.Equal(zeroPoint, w.ZeroPoint(b, col));
                for (var r = 0; r < blockSize; r++)
                {
                    var index = (((long)col * w.KBlocks) + b) * blockSize + r;
                    var stored = bits == 8 ? w.Packed[index] : (w.Packed[index / 2] >> (int)(4 * (index & 1))) & 0xF;
                    Assert.Equal(q[r], stored);
                }
            }
        }

        if (symmetric)
        {
            // −2 (row 5) comes before +2 (row 9): the first of largest magnitude wins, so the scale is positive.
            Assert.Equal(-2f / -(1 << (bits - 1)), w.Scales[0]);
        }
    }
}
