namespace OliveNet.Runtime.Generation;

/// <summary>
/// Picks the next token from logits: repetition penalty, then greedy argmax, or temperature → top-k → top-p →
/// a draw from a seeded SplitMix64 stream. All scratch is allocated once for the vocabulary; choosing a token
/// allocates nothing. One instance per generation; not thread-safe.
/// </summary>
internal sealed class Sampler
{
    private readonly float[] scores;
    private readonly int[] order;
    private readonly bool[] seen;
    private readonly List<int> seenIds = [];
    private readonly GenerationOptions options;
    private ulong state;

    public Sampler(int vocabSize, GenerationOptions options)
    {
        this.options = options;
        scores = new float[vocabSize];
        order = new int[vocabSize];
        seen = new bool[vocabSize];
        state = options.Seed;
    }

    /// <summary>Records ids already in the sequence (prompt and generated) for the repetition penalty.</summary>
    public void Observe(int id)
    {
        if ((uint)id < (uint)seen.Length && !seen[id])
        {
            seen[id] = true;
            seenIds.Add(id);
        }
    }

    /// <summary>Chooses the next id from the logits of the last position.</summary>
    public int Next(ReadOnlySpan<float> logits)
    {
        var vocab = Math.Min(logits.Length, scores.Length);
        var greedy = !options.DoSample || options.TopK == 1 || options.Temperature <= 0;
        if (greedy && options.RepetitionPenalty == 1f)
        {
            return ArgMax(logits[..vocab]);
        }

        logits[..vocab].CopyTo(scores);
        if (options.RepetitionPenalty != 1f)
        {
            foreach (var id in seenIds)
            {
                scores[id] = scores[id] > 0 ? scores[id] / options.RepetitionPenalty : scores[id] * options.RepetitionPenalty;
            }
        }

        if (greedy)
        {
            return ArgMax(scores.AsSpan(0, vocab));
        }

        if (options.TopK > 0 && options.TopK < vocab)
        {
            return Draw(TopK(vocab, options.TopK), total: null);
        }

        return options.TopP < 1f ? Nucleus(vocab) : Draw(SortAll(vocab), total: null);
    }

    // Top-p without top-k: the nucleus is usually a few dozen ids, so rather than sorting the whole vocabulary,
    // take the best 64, 128, … until their share of the full softmax mass reaches top_p. The order within the
    // candidates and the cut are the same as a full sort would give.
    private int Nucleus(int vocab)
    {
        var max = float.NegativeInfinity;
        foreach (var s in scores.AsSpan(0, vocab))
        {
            max = Math.Max(max, s);
        }

        var total = 0.0;
        foreach (var s in scores.AsSpan(0, vocab))
        {
            total += Math.Exp((s - max) / options.Temperature);
        }

        for (var k = Math.Min(64, vocab); ; k = Math.Min(2 * k, vocab))
        {
            var count = TopK(vocab, k);
            var mass = 0.0;
            for (var i = 0; i < count; i++)
            {
                mass += Math.Exp((scores[order[i]] - max) / options.Temperature);
            }

            if (mass >= options.TopP * total || k == vocab)
            {
                return Draw(count, total);
            }
        }
    }

    /// <summary>Index of the largest value; the first one on ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        var max = float.NegativeInfinity;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] > max)
            {
                max = values[i];
                best = i;
            }
        }

        return best;
    }

    // The k best ids into order[..k], best first: a min-heap of size k over the vocabulary, then a sort of the k.
    private int TopK(int vocab, int k)
    {
        var heap = order.AsSpan(0, k);
        for (var i = 0; i < k; i++)
        {
            heap[i] = i;
            SiftUp(heap, i);
        }

        for (var i = k; i < vocab; i++)
        {
            if (Better(i, heap[0]))
            {
                heap[0] = i;
                SiftDown(heap, 0, k);
            }
        }

        for (var end = k - 1; end > 0; end--)
        {
            (heap[0], heap[end]) = (heap[end], heap[0]);
            SiftDown(heap, 0, end);
        }

        return k;
    }

    private int SortAll(int vocab)
    {
        for (var i = 0; i < vocab; i++)
        {
            order[i] = i;
        }

        order.AsSpan(0, vocab).Sort((a, b) => Better(a, b) ? -1 : Better(b, a) ? 1 : 0);
        return vocab;
    }

    // Higher score first; lower id first on equal scores, so the order (and the draw) is deterministic.
    private bool Better(int a, int b) => scores[a] > scores[b] || (scores[a] == scores[b] && a < b);

    private void SiftUp(Span<int> heap, int i)
    {
        while (i > 0 && Better(heap[(i - 1) / 2], heap[i]))
        {
            (heap[i], heap[(i - 1) / 2]) = (heap[(i - 1) / 2], heap[i]);
            i = (i - 1) / 2;
        }
    }

    private void SiftDown(Span<int> heap, int i, int size)
    {
        while (true)
        {
            var worst = i;
            var left = (2 * i) + 1;
            var right = left + 1;
            if (left < size && Better(heap[worst], heap[left]))
            {
                worst = left;
            }

            if (right < size && Better(heap[worst], heap[right]))
            {
                worst = right;
            }

            if (worst == i)
            {
                return;
            }

            (heap[i], heap[worst]) = (heap[worst], heap[i]);
            i = worst;
        }
    }

    // Softmax with temperature over order[..count] (best first), cut to top-p, then one draw. The cut measures
    // mass against `total` when given (the whole vocabulary's), else against the candidates' own sum.
    private int Draw(int count, double? total)
    {
        var max = scores[order[0]];
        var sum = 0.0;
        for (var i = 0; i < count; i++)
        {
            var p = Math.Exp((scores[order[i]] - max) / options.Temperature);
            scores[order[i]] = (float)p;
            sum += p;
        }

        var whole = total ?? sum;

        var kept = count;
        if (options.TopP < 1f)
        {
            var cumulative = 0.0;
            for (var i = 0; i < count; i++)
            {
                cumulative += scores[order[i]] / whole;
                if (cumulative >= options.TopP)
                {
                    kept = i + 1;
                    break;
                }
            }
        }

        var mass = 0.0;
        for (var i = 0; i < kept; i++)
        {
            mass += scores[order[i]];
        }

        var target = NextDouble() * mass;
        for (var i = 0; i < kept; i++)
        {
            target -= scores[order[i]];
            if (target < 0)
            {
                return order[i];
            }
        }

        return order[kept - 1];
    }

    // SplitMix64: a tiny, well-mixed generator whose stream depends only on the seed (not on the .NET version).
    private double NextDouble()
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
