using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace OliveNet.Runtime.Tokenizers;

/// <summary>
/// Byte-level BPE: a vocabulary, merge ranks (lower merges first), and a bounded cache from pre-token to ids.
/// Thread-safe for concurrent encoding.
/// </summary>
internal sealed class BytePairModel
{
    private const int CacheCapacity = 100_000;
    private const int MaxCachedLength = 256;

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> vocabLookup;
    private readonly Dictionary<long, (int Rank, int Id)> merges;
    private readonly int[] byteIds = new int[256];
    private readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> cacheLookup;

    public BytePairModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> mergeList, bool ignoreMerges, string source)
    {
        Vocab = vocab;
        IgnoreMerges = ignoreMerges;
        vocabLookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        cacheLookup = cache.GetAlternateLookup<ReadOnlySpan<char>>();
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

        for (var b = 0; b < 256; b++)
        {
            var symbol = ByteLevelAlphabet.ToChar((byte)b).ToString();
            byteIds[b] = vocab.TryGetValue(symbol, out var id) ? id
                : throw new TokenizerException($"{source}: model.vocab lacks the byte-level symbol '{symbol}' for byte 0x{b:X2}; only byte-level BPE is supported yet.");
        }
    }

    public Dictionary<string, int> Vocab { get; }

    public bool IgnoreMerges { get; }

    /// <summary>Appends the ids of one pre-token given as UTF-8 bytes and as its byte-level characters.</summary>
    [SkipLocalsInit]
    public void Encode(ReadOnlySpan<byte> bytes, ReadOnlySpan<char> symbols, List<int> output)
    {
        if (cacheLookup.TryGetValue(symbols, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        if (IgnoreMerges && vocabLookup.TryGetValue(symbols, out var whole))
        {
            output.Add(whole);
            return;
        }

        if (bytes.Length == 1)
        {
            output.Add(byteIds[bytes[0]]);
            return;
        }

        var rented = bytes.Length > 128 ? ArrayPool<int>.Shared.Rent(bytes.Length * 2) : null;
        var ids = rented is null ? stackalloc int[bytes.Length] : rented.AsSpan(0, bytes.Length);
        var ranks = rented is null ? stackalloc int[bytes.Length] : rented.AsSpan(bytes.Length, bytes.Length);
        var count = Merge(bytes, ids, ranks);
        var result = ids[..count].ToArray();
        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }

        output.AddRange(result);
        if (symbols.Length <= MaxCachedLength && cache.Count < CacheCapacity)
        {
            cacheLookup.TryAdd(symbols, result);
        }
    }

    // Repeatedly merges the adjacent pair with the lowest rank (leftmost on ties). ranks[i] is the rank of the
    // pair (ids[i], ids[i + 1]) so each merge only re-ranks its two neighbours.
    private int Merge(ReadOnlySpan<byte> bytes, Span<int> ids, Span<int> ranks)
    {
        var count = bytes.Length;
        for (var i = 0; i < count; i++)
        {
            ids[i] = byteIds[bytes[i]];
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

    private int RankOf(int left, int right) => merges.TryGetValue(Key(left, right), out var merge) ? merge.Rank : int.MaxValue;

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
