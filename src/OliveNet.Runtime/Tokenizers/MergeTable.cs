namespace OliveNet.Runtime.Tokenizers;

/// <summary>
/// BPE merge ranks keyed by the pair of ids they join, and the merge loop both BPE flavours share: repeatedly
/// join the adjacent pair with the lowest rank, leftmost on ties. Immutable after construction.
/// </summary>
internal sealed class MergeTable
{
    // Above this many symbols the quadratic scan loses to a heap (a pre-tokenizer-less SentencePiece file merges
    // whole paragraphs as one word).
    private const int LongWord = 384;

    private readonly Dictionary<long, (int Rank, int Id)> merges;

    /// <exception cref="TokenizerException">A merge uses a token (or produces one) missing from the vocabulary.</exception>
    public MergeTable(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> mergeList, string source)
    {
        merges = new Dictionary<long, (int, int)>(mergeList.Count);
        for (var rank = 0; rank < mergeList.Count; rank++)
        {
            var (left, right) = mergeList[rank];
            if (!vocab.TryGetValue(left, out var a) || !vocab.TryGetValue(right, out var b) || !vocab.TryGetValue(left + right, out var merged))
            {
                throw new TokenizerException($"{source}: model.merges[{rank}] '{left} {right}' uses a token missing from model.vocab.");
            }

            merges.TryAdd(Key(a, b), (rank, merged));
        }
    }

    /// <summary>
    /// Merges <paramref name="ids"/>[..count] in place and returns the new count. <paramref name="ranks"/> is
    /// scratch of the same length: ranks[i] is the rank of (ids[i], ids[i + 1]), so a merge re-ranks only its neighbours.
    /// </summary>
    public int Apply(Span<int> ids, Span<int> ranks, int count)
    {
        if (count > LongWord)
        {
            return ApplyLong(ids, count);
        }

        for (var i = 0; i < count - 1; i++)
        {
            ranks[i] = RankOf(ids[i], ids[i + 1]);
        }

        while (count > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i < count - 1; i++)
            {
                if (ranks[i] < bestRank)
                {
                    bestRank = ranks[i];
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            ids[best] = merges[Key(ids[best], ids[best + 1])].Id;
            ids.Slice(best + 2, count - best - 2).CopyTo(ids[(best + 1)..]);
            ranks.Slice(best + 2, count - best - 2).CopyTo(ranks[(best + 1)..]);
            count--;
            if (best > 0)
            {
                ranks[best - 1] = RankOf(ids[best - 1], ids[best]);
            }

            if (best < count - 1)
            {
                ranks[best] = RankOf(ids[best], ids[best + 1]);
            }
        }

        return count;
    }

    // The same merge order with a heap keyed (rank, position) over a linked list of symbols: O(n log n).
    private int ApplyLong(Span<int> ids, int count)
    {
        var next = new int[count];
        var previous = new int[count];
        var queue = new PriorityQueue<(int Left, int LeftId, int RightId), (int Rank, int Position)>();
        for (var i = 0; i < count; i++)
        {
            next[i] = i + 1 < count ? i + 1 : -1;
            previous[i] = i - 1;
        }

        for (var i = 0; i + 1 < count; i++)
        {
            Push(queue, ids, i, i + 1);
        }

        while (queue.TryDequeue(out var pair, out _))
        {
            var right = next[pair.Left];
            if (ids[pair.Left] != pair.LeftId || right < 0 || ids[right] != pair.RightId || previous[pair.Left] == -2)
            {
                continue;
            }

            ids[pair.Left] = merges[Key(pair.LeftId, pair.RightId)].Id;
            previous[right] = -2;
            next[pair.Left] = next[right];
            if (next[right] >= 0)
            {
                previous[next[right]] = pair.Left;
                Push(queue, ids, pair.Left, next[right]);
            }

            if (previous[pair.Left] >= 0)
            {
                Push(queue, ids, previous[pair.Left], pair.Left);
            }
        }

        var written = 0;
        for (var i = 0; i >= 0; i = next[i])
        {
            ids[written++] = ids[i];
        }

        return written;
    }

    private void Push(PriorityQueue<(int, int, int), (int, int)> queue, Span<int> ids, int left, int right)
    {
        if (merges.TryGetValue(Key(ids[left], ids[right]), out var merge))
        {
            queue.Enqueue((left, ids[left], ids[right]), (merge.Rank, left));
        }
    }

    private int RankOf(int left, int right) => merges.TryGetValue(Key(left, right), out var merge) ? merge.Rank : int.MaxValue;

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
