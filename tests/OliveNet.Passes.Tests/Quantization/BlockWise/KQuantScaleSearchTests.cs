using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;
using OliveNet.Passes.Quantization.BlockWise;
using OliveNet.Passes.Tests.Export;
using OliveNet.Text.Tokenizers;

namespace OliveNet.Passes.Tests.Quantization.BlockWise;

/// <summary>The k-quant recipes' scale search (ModelBuilder int4_algo_config k_quant*) on the trained KJV model's weights.</summary>
public sealed class KQuantScaleSearchTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private const int Window = 128;

    [Theory]
    [InlineData(4, 32, true)]
    [InlineData(4, 32, false)]
    [InlineData(4, 128, false)]
    [InlineData(8, 32, true)]
    public void No_searched_block_has_a_larger_weighted_error_than_round_to_nearest(int bits, int block, bool symmetric)
    {
        var (w, k, n) = Weight("model.layers.1.mlp.down_proj.weight");
        var rtn = BlockQuantizer.Quantize(w, k, n, bits, block, symmetric);
        var searched = BlockQuantizer.QuantizeSearched(w, k, n, bits, block, symmetric);
        double rtnTotal = 0, searchedTotal = 0;
        var better = 0;
        for (var col = 0; col < n; col++)
        {
            for (var b = 0; b < rtn.KBlocks; b++)
            {
                var e0 = WeightedError(rtn, w, k, n, col, b);
                var e1 = WeightedError(searched, w, k, n, col, b);

                // Both errors are recomputed here in double from the stored blocks; the search compared the same sums
                // with float importance weights, so a tie may differ by rounding of a few ulps of the sum, no more.
                Assert.True(e1 <= e0 * (1 + 1e-6), $"column {col} block {b}: searched error {e1} > round-to-nearest {e0}");
                better += e1 < e0 * (1 - 1e-6) ? 1 : 0;
                rtnTotal += e0;
                searchedTotal += e1;
            }
        }

        log.WriteLine($"{bits}-bit b{block} {(symmetric ? "sym" : "asym")}: weighted squared error {searchedTotal:E3} vs RTN {rtnTotal:E3} ({(searchedTotal / rtnTotal) - 1:P1}); {better} of {n * rtn.KBlocks} blocks improved");
        Assert.True(better > 0 && searchedTotal < rtnTotal, "the search improved no block");
    }

    /// <summary>
    /// Held-out perplexity of int4 exports with rtn and k_quant (same block size and symmetry), and weight RMSE. The search
    /// must not make perplexity worse beyond the noise of the held-out text: the paired per-token NLL difference
    /// (k_quant − rtn) has a mean at most two standard errors above zero.
    /// </summary>
    [Theory]
    [InlineData(32, true)]
    [InlineData(32, false)]
    [InlineData(128, false)]
    public void K_quant_perplexity_is_not_worse_than_rtn_beyond_the_noise_of_the_held_out_text(int block, bool symmetric)
    {
        var text = File.ReadAllText(Path.Combine(KjvPerplexityTests.Checkpoint, "heldout.txt"))[..KjvPerplexityTests.HeldOutBytes];
        var ids = Tokenizer.Load(Path.Combine(KjvPerplexityTests.Checkpoint, "tokenizer.json")).Encode(text).Select(i => (long)i).ToArray();
        using var temp = new TempFolder();
        var settings = new ExportSettings("int4", block, symmetric, 4, false, false);
        var rtn = Nll(temp.Sub("rtn"), settings with { AlgoConfig = "rtn" }, ids);
        var kquant = Nll(temp.Sub("k_quant"), settings with { AlgoConfig = "k_quant" }, ids);
        var diff = kquant.Zip(rtn, (a, b) => a - b).ToArray();
        var mean = diff.Average();
        var se = Math.Sqrt(diff.Sum(d => (d - mean) * (d - mean)) / (diff.Length - 1) / diff.Length);
        var (rtnRmse, kRmse) = Rmse(block, symmetric);
        log.WriteLine($"int4 b{block} {(symmetric ? "sym" : "asym")}: perplexity rtn {Math.Exp(rtn.Average()):F4}, k_quant {Math.Exp(kquant.Average()):F4} "
            + $"(mean ΔNLL {mean:+0.00000;-0.00000} ± {se:F5}); weight RMSE rtn {rtnRmse:E4}, k_quant {kRmse:E4} ({(kRmse / rtnRmse) - 1:+0.0%;-0.0%})");
        Assert.True(mean <= 2 * se, $"k_quant's mean NLL is {mean:F5} above rtn's (standard error {se:F5})");
    }

    /// <summary>A projection weight of the KJV model as <c>[k, n]</c> row-major (transposed from HF's [out, in]).</summary>
    private static (float[] W, int K, int N) Weight(string name)
    {
        using var checkpoint = SafeTensorsCheckpoint.Open(KjvPerplexityTests.Checkpoint);
        var info = checkpoint.Info(name);
        var (n, k) = ((int)info.Shape[0], (int)info.Shape[1]);
        var hf = checkpoint.ReadFloat32(name);
        var w = new float[k * n];
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < k; c++)
            {
                w[(c * n) + r] = hf[(r * k) + c];
            }
        }

        return (w, k, n);
    }

    /// <summary>Σ wᵢ (x̂ᵢ − xᵢ)² over block <paramref name="b"/> of column <paramref name="col"/>, wᵢ = rms + |xᵢ| over the (zero-padded) block.</summary>
    private static double WeightedError(BlockQuantizedWeight q, float[] w, int k, int n, int col, int b)
    {
        double sumX2 = 0;
        for (var i = b * q.BlockSize; i < (b + 1) * q.BlockSize && i < k; i++)
        {
            sumX2 += (double)w[(i * n) + col] * w[(i * n) + col];
        }

        var rms = Math.Sqrt(sumX2 / q.BlockSize);
        double sum = 0;
        for (var i = b * q.BlockSize; i < (b + 1) * q.BlockSize && i < k; i++)
        {
            var x = w[(i * n) + col];
            var diff = (double)q.Dequantize(i, col) - x;
            sum += (rms + Math.Abs(x)) * diff * diff;
        }

        return sum;
    }

    /// <summary>RMSE of the dequantized projections of the whole model, rtn and searched.</summary>
    private static (double Rtn, double KQuant) Rmse(int block, bool symmetric)
    {
        using var checkpoint = SafeTensorsCheckpoint.Open(KjvPerplexityTests.Checkpoint);
        double rtn = 0, kquant = 0;
        long count = 0;
        foreach (var name in checkpoint.Names.Where(s => s.EndsWith("proj.weight", StringComparison.Ordinal)))
        {
            var (w, k, n) = Weight(name);
            var a = BlockQuantizer.Quantize(w, k, n, 4, block, symmetric);
            var b = BlockQuantizer.QuantizeSearched(w, k, n, 4, block, symmetric);
            for (var i = 0; i < k; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    var x = w[(i * n) + j];
                    rtn += Math.Pow(a.Dequantize(i, j) - x, 2);
                    kquant += Math.Pow(b.Dequantize(i, j) - x, 2);
                }
            }

            count += (long)k * n;
        }

        return (Math.Sqrt(rtn / count), Math.Sqrt(kquant / count));
    }

    /// <summary>Per-token NLL of the held-out windows, as <see cref="KjvPerplexityTests"/> computes perplexity.</summary>
    private static List<double> Nll(string folder, ExportSettings settings, long[] ids)
    {
        ModelBuilderPass.Export(KjvPerplexityTests.Checkpoint, folder, settings, TextWriter.Null, default);
        using var session = new DecoderSession(folder);
        var result = new List<double>();
        for (var start = 0; start + Window <= ids.Length; start += Window)
        {
            session.Reset();
            var window = ids[start..(start + Window)];
            var logits = session.Step(window);
            var vocab = logits.Length / Window;
            for (var t = 0; t + 1 < Window; t++)
            {
                var row = logits.AsSpan(t * vocab, vocab);
                var max = double.NegativeInfinity;
                foreach (var v in row)
                {
                    max = Math.Max(max, v);
                }

                double sum = 0;
                foreach (var v in row)
                {
                    sum += Math.Exp(v - max);
                }

                result.Add(max + Math.Log(sum) - row[(int)window[t + 1]]);
            }
        }

        return result;
    }
}
