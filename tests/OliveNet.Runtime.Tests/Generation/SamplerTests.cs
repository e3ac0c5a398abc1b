using OliveNet.Runtime.Generation;

namespace OliveNet.Runtime.Tests.Generation;

/// <summary>The sampler's top-p path against a nucleus computed here by a full sort of the vocabulary.</summary>
public sealed class SamplerTests
{
    [Fact]
    public void Top_p_without_top_k_draws_exactly_from_the_nucleus_of_the_whole_vocabulary()
    {
        // 200 strong ids among 50,000 weak ones: the 0.9 nucleus holds ~180 ids, more than the sampler's first
        // guess of 64 candidates, so the widening path runs.
        const int vocab = 50_000;
        var random = new Random(5);
        var logits = new float[vocab];
        for (var i = 0; i < vocab; i++)
        {
            logits[i] = (float)random.NextDouble();
        }

        foreach (var id in Enumerable.Range(0, vocab).OrderBy(_ => random.Next()).Take(200))
        {
            logits[id] += 10f;
        }

        var order = Enumerable.Range(0, vocab).OrderByDescending(i => logits[i]).ThenBy(i => i).ToArray();
        var max = logits[order[0]];
        var total = logits.Sum(l => Math.Exp(l - max));
        var nucleus = new HashSet<int>();
        var cumulative = 0.0;
        foreach (var id in order)
        {
            nucleus.Add(id);
            cumulative += Math.Exp(logits[id] - max) / total;
            if (cumulative >= 0.9)
            {
                break;
            }
        }

        Assert.InRange(nucleus.Count, 65, 199);
        var sampler = new Sampler(vocab, new GenerationOptions { DoSample = true, Temperature = 1f, TopK = 0, TopP = 0.9f, Seed = 3 });
        var drawn = Enumerable.Range(0, 4000).Select(_ => sampler.Next(logits)).ToList();
        Assert.All(drawn, id => Assert.Contains(id, nucleus));

        // Draws reach past the first 64 candidates: nucleus weights are e^(10+u), u in [0.1, 1), so the least likely
        // id has p ≳ e^0.1 / (180 · e) ≈ 0.0023 and 4000 draws miss it with probability ≲ e^-9 (seeded, so fixed).
        Assert.Equal(nucleus.Count, drawn.Distinct().Count());
    }
}
