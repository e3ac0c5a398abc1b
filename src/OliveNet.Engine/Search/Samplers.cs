namespace OliveNet.Engine.Search;

/// <summary>Proposes the next point (a choice index per dimension) given the points tried and how they ranked.</summary>
internal interface ISampler
{
    /// <summary>The next untried point, or null when the space is exhausted.</summary>
    /// <param name="tried">Points already tried.</param>
    /// <param name="rank">Rank of each tried point (0 = best; failed points rank last).</param>
    int[]? Next(IReadOnlyList<int[]> tried, IReadOnlyList<int> rank);
}

/// <summary>Every point in order, the last dimension fastest, so consecutive points share the longest pass prefix.</summary>
internal sealed class SequentialSampler(IReadOnlyList<int> sizes) : ISampler
{
    public int[]? Next(IReadOnlyList<int[]> tried, IReadOnlyList<int> rank) =>
        SpacePoints.All(sizes).FirstOrDefault(p => !tried.Any(t => t.SequenceEqual(p)));
}

/// <summary>Every point once, in an order shuffled by the seed.</summary>
internal sealed class RandomSampler : ISampler
{
    private readonly List<int[]> _order;

    public RandomSampler(IReadOnlyList<int> sizes, int seed)
    {
        _order = SpacePoints.All(sizes).ToList();
        var random = new Random(seed);
        for (var i = _order.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (_order[i], _order[j]) = (_order[j], _order[i]);
        }
    }

    /// <summary>Every point, in the seeded order the sampler proposes them.</summary>
    public IReadOnlyList<int[]> Order => _order;

    public int[]? Next(IReadOnlyList<int[]> tried, IReadOnlyList<int> rank) =>
        _order.FirstOrDefault(p => !tried.Any(t => t.SequenceEqual(p)));
}

/// <summary>Mixed-radix enumeration of a space.</summary>
internal static class SpacePoints
{
    public static long Size(IReadOnlyList<int> sizes) => sizes.Aggregate(1L, (a, b) => a * b);

    public static IEnumerable<int[]> All(IReadOnlyList<int> sizes)
    {
        var total = Size(sizes);
        for (long n = 0; n < total; n++)
        {
            var point = new int[sizes.Count];
            var rest = n;
            for (var d = sizes.Count - 1; d >= 0; d--)
            {
                point[d] = (int)(rest % sizes[d]);
                rest /= sizes[d];
            }

            yield return point;
        }
    }
}
