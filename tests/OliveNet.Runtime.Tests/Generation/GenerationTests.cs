using OliveNet.Runtime.Generation;

namespace OliveNet.Runtime.Tests.Generation;

/// <summary>The generation loop on a random-weight GroupQueryAttention decoder in the GenAI layout, run by the real ORT.</summary>
public sealed class GenerationTests : IClassFixture<GenerationTests.TinyModel>
{
    private static readonly int[] Prompt = [3, 141, 59, 26, 5, 358, 97];
    private readonly LanguageModel model;

    public GenerationTests(TinyModel fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        model = fixture.Model;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Greedy_tokens_equal_the_argmax_of_full_sequence_forwards(bool shareBuffer)
    {
        var result = model.Generate(Prompt, new GenerationOptions { MaxNewTokens = 24, PastPresentShareBuffer = shareBuffer });
        Assert.Equal(24, result.Tokens.Count);
        Assert.Equal(StopReason.Length, result.Reason);
        var vocab = model.Config.VocabSize;
        var sequence = Prompt.ToList();
        foreach (var token in result.Tokens)
        {
            // Recompute from scratch with no cache: the last row of a full forward pass must pick the same token.
            var logits = model.ForwardAll(sequence);
            Assert.Equal(Sampler.ArgMax(logits.AsSpan(logits.Length - vocab)), token);
            sequence.Add(token);
        }

        Assert.True(result.Tokens.Distinct().Count() > 3, "a random model that repeats one token would make this test weak");
    }

    [Fact]
    public void Both_cache_layouts_give_the_same_tokens_and_logits()
    {
        var shared = model.Generate(Prompt, new GenerationOptions { MaxNewTokens = 16, PastPresentShareBuffer = true });
        var concat = model.Generate(Prompt, new GenerationOptions { MaxNewTokens = 16, PastPresentShareBuffer = false });
        Assert.Equal(shared.Tokens, concat.Tokens);
    }

    [Fact]
    public void Sampling_is_reproducible_by_seed_and_varies_across_seeds()
    {
        GenerationOptions Sampled(ulong seed) => new() { MaxNewTokens = 20, DoSample = true, Temperature = 1.5f, TopK = 0, TopP = 0.95f, Seed = seed };
        var first = model.Generate(Prompt, Sampled(7)).Tokens;
        Assert.Equal(first, model.Generate(Prompt, Sampled(7)).Tokens);
        var others = new[] { 8UL, 9UL, 10UL }.Select(seed => model.Generate(Prompt, Sampled(seed)).Tokens).ToList();
        Assert.Contains(others, tokens => !tokens.SequenceEqual(first));

        // Top-k 1 is greedy whatever the temperature.
        var greedy = model.Generate(Prompt, new GenerationOptions { MaxNewTokens = 10 }).Tokens;
        Assert.Equal(greedy, model.Generate(Prompt, Sampled(3) with { MaxNewTokens = 10, TopK = 1 }).Tokens);
    }

    [Fact]
    public void Top_k_sampling_only_picks_among_the_k_most_likely_tokens()
    {
        var options = new GenerationOptions { MaxNewTokens = 12, DoSample = true, Temperature = 5f, TopK = 3, Seed = 11 };
        var streamed = new List<int>();
        var result = model.Generate(Prompt, options, streamed.Add);
        Assert.Equal(result.Tokens, streamed);
        var vocab = model.Config.VocabSize;
        var sequence = Prompt.ToList();
        foreach (var token in result.Tokens)
        {
            var logits = model.ForwardAll(sequence).AsSpan(^vocab..).ToArray();
            var threshold = logits.OrderDescending().ElementAt(2);
            Assert.True(logits[token] >= threshold, $"token {token} is not in the top 3");
            sequence.Add(token);
        }
    }

    [Fact]
    public void Stop_tokens_and_repetition_penalty_shape_the_output()
    {
        var greedy = model.Generate(Prompt, new GenerationOptions { MaxNewTokens = 12 }).Tokens;
        var stop = greedy[4];
        var stopped = model.Generate(Prompt, new GenerationOptions { MaxNewTokens = 12, StopTokenIds = [stop] });
        Assert.Equal(StopReason.StopToken, stopped.Reason);
        Assert.Equal(greedy.Take(greedy.ToList().IndexOf(stop) + 1), stopped.Tokens);

        // A huge penalty pushes every id already in the sequence below any unseen id with a positive logit.
        var penalized = model.Generate(Prompt, new GenerationOptions { MaxNewTokens = 30, RepetitionPenalty = 1e6f }).Tokens;
        Assert.Equal(penalized.Count, penalized.Distinct().Count());
        Assert.DoesNotContain(penalized, Prompt.Contains);
    }

    [Fact]
    public void Length_limits_and_bad_requests_are_clear()
    {
        var result = model.Generate(Prompt, new GenerationOptions { MaxLength = Prompt.Length + 5 });
        Assert.Equal(5, result.Tokens.Count);
        Assert.True(result.DecodeTokensPerSecond > 0 && result.PrefillTokensPerSecond > 0);

        // The model's share of decode time is measured inside the decode time (4 Run calls for 5 tokens).
        Assert.InRange(result.DecodeRun, TimeSpan.FromTicks(1), result.Decode);
        Assert.True(result.LoopOverhead >= 0);
        var error = Assert.Throws<GenerationException>(() => model.Generate(Prompt, new GenerationOptions { MaxLength = Prompt.Length }));
        Assert.Contains("maximum length", error.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<GenerationException>(() => LanguageModel.Load(Path.GetTempPath()));
        Assert.Contains("genai_config.json", missing.Message, StringComparison.Ordinal);
    }

    /// <summary>2 layers, 4 query / 2 KV heads of 16, vocab 512, context 128; written once per test run.</summary>
    public sealed class TinyModel : IDisposable
    {
        public TinyModel()
        {
            Directory = Path.Combine(Path.GetTempPath(), "olivenet-generation-tests", Guid.NewGuid().ToString("N"));
            new DecoderBuilder(new DecoderShape(2, 64, 4, 2, 16, 128, 512, 128), seed: 1234).Write(Directory, eosTokenIds: [0]);
            Model = LanguageModel.Load(Directory, threads: 1);
        }

        public string Directory { get; }

        public LanguageModel Model { get; }

        public void Dispose()
        {
            Model.Dispose();
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
