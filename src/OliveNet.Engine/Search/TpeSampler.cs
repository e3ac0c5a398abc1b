namespace OliveNet.Engine.Search;

/// <summary>
/// Tree-structured Parzen estimator over categorical dimensions, seeded. The first points are random (startup); after
/// that the tried points are split into good (the best quarter by rank, at least one) and the rest, each dimension gets
/// a smoothed categorical density l(x) from the good points and g(x) from the rest (counts + 1, the prior), and the
/// untried point maximizing Π l(x_d)/g(x_d) is proposed; ties go to a seeded random order.
/// </summary>
internal sealed class TpeSampler(IReadOnlyList<int> sizes, int seed, int startup) : ISampler
{
    private readonly RandomSampler _random = new(sizes, seed);

    public int[]? Next(IReadOnlyList<int[]> tried, IReadOnlyList<int> rank)
    {
        if (tried.Count < startup)
        {
            return _random.Next(tried, rank);
        }

        var order = Enumerable.Range(0, tried.Count).OrderBy(i => rank[i]).ToList();
        var goodCount = Math.Max(1, (int)Math.Ceiling(tried.Count * 0.25));
        var good = order.Take(goodCount).Select(i => tried[i]).ToList();
        var bad = order.Skip(goodCount).Select(i => tried[i]).ToList();
        var l = Densities(good);
        var g = Densities(bad);
        int[]? best = null;
        var bestScore = double.NegativeInfinity;
        // Ties are broken by the seeded random order, so the sampler explores instead of always taking the lowest index.
        var candidate = _random;
        var seen = new List<int[]>(tried);
        while (candidate.Next(seen, rank) is { } point)
        {
            seen.Add(point);
            var score = 0.0;
            for (var d = 0; d < sizes.Count; d++)
            {
                score += Math.Log(l[d][point[d]] / g[d][point[d]]);
            }

            if (score > bestScore)
            {
                (best, bestScore) = (point, score);
            }
        }

        return best;
    }

    private double[][] Densities(List<int[]> points) => sizes.Select((size, d) =>
    {
        var counts = new double[size];
        Array.Fill(counts, 1.0);
        foreach (var p in points)
        {
            counts[p[d]] += 1;
        }

        var total = counts.Sum();
        return counts.Select(c => c / total).ToArray();
    }).ToArray();
}
