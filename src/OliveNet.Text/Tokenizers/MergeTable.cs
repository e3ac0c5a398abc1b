using System.Buffers;

namespace OliveNet.Text.Tokenizers;

/// <summary>
/// BPE merge ranks keyed by the pair of ids they join, and the merge loop both BPE flavours share: repeatedly
/// join the adjacent pair with the lowest rank, leftmost on ties. Immutable after construction.
/// </summary>
internal sealed class MergeTable
{
    // Above this many symbols the quadratic scan loses to a heap (a SentencePiece file without pre-tokenizer
    // merges whole lines as one word; measured on KJV verses with Llama 2).
    private const int LongWord = 24;

    private readonly Dictionary<long, (int Rank, int Id)> merges;

    /// <exception cref="TokenizerException">A merge uses a token (or produces one) missing from the vocabulary.</exception>
    public MergeTable(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> mergeList, string source)
    {
        merges = new Dictionary<long, (int, int)>(mergeList.Count, PairHash.Instance);
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

    // The same merge order with a binary heap keyed (rank, position) over a linked list of symbols: O(n log n).
    // Scratch comes from the array pool, so merging allocates nothing.
    private int ApplyLong(Span<int> ids, int count)
    {
        var links = ArrayPool<int>.Shared.Rent(2 * count);
        var heap = ArrayPool<Candidate>.Shared.Rent(2 * count);
        var next = links.AsSpan(0, count);
        var previous = links.AsSpan(count, count);
        var size = 0;
        for (var i = 0; i < count; i++)
        {
            next[i] = i + 1 < count ? i + 1 : -1;
            previous[i] = i - 1;
        }

        for (var i = 0; i + 1 < count; i++)
        {
            Push(heap, ref size, ids, i, i + 1);
        }

        while (size > 0)
        {
            var pair = Pop(heap, ref size);
            var right = next[pair.Left];
            if (previous[pair.Left] == -2 || right < 0 || ids[pair.Left] != pair.LeftId || ids[right] != pair.RightId)
            {
                continue;
            }

            ids[pair.Left] = pair.MergedId;
            previous[right] = -2;
            next[pair.Left] = next[right];
            if (next[right] >= 0)
            {
                previous[next[right]] = pair.Left;
                Push(heap, ref size, ids, pair.Left, next[right]);
            }

            if (previous[pair.Left] >= 0)
            {
                Push(heap, ref size, ids, previous[pair.Left], pair.Left);
            }
        }

        var written = 0;
        for (var i = 0; i >= 0; i = next[i])
        {
            ids[written++] = ids[i];
        }

        ArrayPool<int>.Shared.Return(links);
        ArrayPool<Candidate>.Shared.Return(heap);
        return written;
    }

    private void Push(Candidate[] heap, ref int size, Span<int> ids, int left, int right)
    {
        if (!merges.TryGetValue(Key(ids[left], ids[right]), out var merge))
        {
            return;
        }

        var i = size++;
        heap[i] = new Candidate(merge.Rank, left, ids[left], ids[right], merge.Id);
        while (i > 0 && heap[i].Before(heap[(i - 1) / 2]))
        {
            (heap[i], heap[(i - 1) / 2]) = (heap[(i - 1) / 2], heap[i]);
            i = (i - 1) / 2;
        }
    }

    private static Candidate Pop(Candidate[] heap, ref int size)
    {
        var top = heap[0];
        heap[0] = heap[--size];
        var i = 0;
        while (true)
        {
            var first = i;
            var left = (2 * i) + 1;
            if (left < size && heap[left].Before(heap[first]))
            {
                first = left;
            }

            if (left + 1 < size && heap[left + 1].Before(heap[first]))
            {
                first = left + 1;
            }

            if (first == i)
            {
                return top;
            }

            (heap[i], heap[first]) = (heap[first], heap[i]);
            i = first;
        }
    }

    private int RankOf(int left, int right) => merges.TryGetValue(Key(left, right), out var merge) ? merge.Rank : int.MaxValue;

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    // long.GetHashCode of (left << 32 | right) is left ^ right, which collides heavily for vocabulary ids; a
    // Fibonacci multiply spreads the pairs over the buckets.
    private sealed class PairHash : IEqualityComparer<long>
    {
        public static readonly PairHash Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long obj) => (int)(((ulong)obj * 0x9E3779B97F4A7C15UL) >> 32);
    }

    // A possible merge of the symbols at Left and its right neighbour, valid while both still hold these ids.
    private readonly record struct Candidate(int Rank, int Left, int LeftId, int RightId, int MergedId)
    {
        public bool Before(Candidate other) => Rank < other.Rank || (Rank == other.Rank && Left < other.Left);
    }
}
