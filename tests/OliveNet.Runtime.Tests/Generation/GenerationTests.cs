using OliveNet.Runtime.Generation;

namespace OliveNet.Runtime.Tests.Generation;

/// <summary>
/// Generation through ONNX Runtime GenAI (<see cref="GenAILanguageModel"/>) on a random-weight GroupQueryAttention
/// decoder in the GenAI layout, checked against full-sequence forwards of the same file through a plain ORT session
/// (<see cref="LanguageModel.ForwardAll"/>, what perplexity uses).
/// </summary>
public sealed class GenerationTests : IClassFixture<GenerationTests.TinyModel>
{
    private static readonly int[] Prompt = [3, 141, 59, 26, 5, 358, 97];
    private readonly GenAILanguageModel model;
    private readonly LanguageModel forwards;

    public GenerationTests(TinyModel fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        model = fixture.Model;
        forwards = fixture.Forwards;
    }

    [Fact]
    public void Greedy_tokens_equal_the_argmax_of_full_sequence_forwards()
    {
        var streamed = new List<int>();
        var result = model.Generate(Prompt, new GenerationOptions { MaxNewTokens = 24 }, streamed.Add);
        Assert.Equal(24, result.Tokens.Count);
        Assert.Equal(result.Tokens, streamed);
        Assert.Equal(StopReason.Length, result.Reason);
        var vocab = forwards.Config.VocabSize;
        var sequence = Prompt.ToList();
        foreach (var token in result.Tokens)
        {
            // Recompute from scratch with no cache: the last row of a full forward pass must pick the same token.
            var logits = forwards.ForwardAll(sequence);
            Assert.Equal(ArgMax(logits.AsSpan(logits.Length - vocab)), token);
            sequence.Add(token);
        }

        Assert.True(result.Tokens.Distinct().Count() > 3, "a random model that repeats one token would make this test weak");
    }

    [Fact]
    public void Full_forwards_agree_with_themselves_across_prefixes()
    {
        // The logits of a position do not depend on what follows it (causal mask), so the rows of a longer forward
        // equal those of the shorter one up to float32 rounding of differently shaped GEMMs.
        var vocab = forwards.Config.VocabSize;
        var longer = forwards.ForwardAll([.. Prompt, 11, 12, 13]);
        var shorter = forwards.ForwardAll(Prompt);
        var scale = shorter.Max(Math.Abs);
        for (var i = 0; i < shorter.Length; i++)
        {
            Assert.True(Math.Abs(shorter[i] - longer[i]) <= 1e-4 * scale, $"row {i / vocab}, id {i % vocab}: {shorter[i]} vs {longer[i]}");
        }
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
        var result = model.Generate(Prompt, options);
        var vocab = forwards.Config.VocabSize;
        var sequence = Prompt.ToList();
        foreach (var token in result.Tokens)
        {
            var logits = forwards.ForwardAll(sequence).AsSpan(^vocab..).ToArray();
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
        var error = Assert.Throws<GenerationException>(() => model.Generate(Prompt, new GenerationOptions { MaxLength = Prompt.Length }));
        Assert.Contains("maximum length", error.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<GenerationException>(() => GenAILanguageModel.Load(Path.GetTempPath()));
        Assert.Contains("genai_config.json", missing.Message, StringComparison.Ordinal);
        missing = Assert.Throws<GenerationException>(() => LanguageModel.Load(Path.GetTempPath()));
        Assert.Contains("genai_config.json", missing.Message, StringComparison.Ordinal);
    }

    /// <summary>2 layers, 4 query / 2 KV heads of 16, vocab 512, context 128; written once per test run.</summary>
    public sealed class TinyModel : IDisposable
    {
        public TinyModel()
        {
            Directory = Path.Combine(Path.GetTempPath(), "olivenet-generation-tests", Guid.NewGuid().ToString("N"));
            new DecoderBuilder(new DecoderShape(2, 64, 4, 2, 16, 128, 512, 128), seed: 1234).Write(Directory, eosTokenIds: [0]);
            Model = GenAILanguageModel.Load(Directory, intraOpThreads: 1);
            Forwards = LanguageModel.Load(Directory, threads: 1);
        }

        public string Directory { get; }

        public GenAILanguageModel Model { get; }

        public LanguageModel Forwards { get; }

        public void Dispose()
        {
            Model.Dispose();
            Forwards.Dispose();
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
    }
}
