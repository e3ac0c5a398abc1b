using OliveNet.Runtime.Generation;

namespace OliveNet.Runtime.Tests.Generation;

/// <summary>Perplexity (plain ORT forwards) and generation latency (ONNX Runtime GenAI) on the tiny GroupQueryAttention decoder.</summary>
public sealed class MetricsTests(GenerationTests.TinyModel fixture) : IClassFixture<GenerationTests.TinyModel>
{
    private static readonly int[] Ids = [.. Enumerable.Range(0, 40).Select(i => (i * 37 + 11) % 512)];

    [Fact]
    public void Perplexity_with_one_window_is_exp_of_the_mean_next_token_loss()
    {
        var model = fixture.Forwards;
        var vocab = model.Config.VocabSize;
        var logits = model.ForwardAll(Ids);
        var loss = 0.0;
        for (var t = 1; t < Ids.Length; t++)
        {
            var row = logits.AsSpan((t - 1) * vocab, vocab).ToArray().Select(v => (double)v).ToArray();
            var max = row.Max();
            loss += Math.Log(row.Sum(v => Math.Exp(v - max))) + max - row[Ids[t]];
        }

        var result = Metrics.Perplexity(model, Ids, window: 40, stride: 40);
        Assert.Equal(39, result.ScoredTokens);
        Assert.Equal(1, result.Windows);

        // Same logits, both summed in double: only summation order differs (relative 1e-12 is far above that noise).
        Assert.Equal(Math.Exp(loss / 39), result.Perplexity, 1e-12 * result.Perplexity);
    }

    [Fact]
    public void Sliding_windows_score_every_token_once_and_disjoint_chunks_lose_one_per_window()
    {
        var model = fixture.Forwards;
        var sliding = Metrics.Perplexity(model, Ids, window: 16, stride: 8);
        Assert.Equal(39, sliding.ScoredTokens);
        Assert.Equal(4, sliding.Windows);
        var chunks = Metrics.Perplexity(model, Ids, window: 16, stride: 16);
        Assert.Equal(37, chunks.ScoredTokens);
        Assert.True(sliding.Perplexity > 1 && chunks.Perplexity > 1);
        Assert.NotEqual(sliding.Perplexity, Metrics.Perplexity(model, Ids, window: 40, stride: 40).Perplexity);
        Assert.Throws<ArgumentException>(() => Metrics.Perplexity(model, Ids, window: 8, stride: 9));
    }

    [Fact]
    public void Generation_latency_reports_first_token_time_speeds_and_memory()
    {
        var model = fixture.Model;
        var result = Metrics.GenerationLatency(model, promptTokens: 8, generateTokens: 16, runs: 2);
        Assert.Equal(16, result.GeneratedTokens);
        Assert.True(result.TimeToFirstTokenMs > 0);
        Assert.True(result.PrefillTokensPerSecond > 0 && result.DecodeTokensPerSecond > 0);
        Assert.True(result.PeakWorkingSetBytes > 0);

        // 2 layers × key and value × 2 KV heads × 16 dims × 24 positions × 4 bytes.
        Assert.Equal(2L * 2 * 2 * 16 * 24 * 4, result.KvCacheBytes);
    }
}
