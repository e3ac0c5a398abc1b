using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace OliveNet.Text.Tokenizers;

/// <summary>
/// Byte-level BPE: a vocabulary, merge ranks (lower merges first), and a bounded cache from pre-token to ids.
/// Thread-safe for concurrent encoding.
/// </summary>
internal sealed class BytePairModel : IWordModel
{
    private const int CacheCapacity = 100_000;
    private const int MaxCachedLength = 256;

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> vocabLookup;
    private const int StackLimit = 512;

    private readonly MergeTable merges;
    private readonly int[] byteIds = new int[256];
    private readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> cacheLookup;

    public BytePairModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> mergeList, bool ignoreMerges, string source)
    {
        Vocab = vocab;
        IgnoreMerges = ignoreMerges;
        vocabLookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        cacheLookup = cache.GetAlternateLookup<ReadOnlySpan<char>>();
        merges = new MergeTable(vocab, mergeList, source);

        for (var b = 0; b < 256; b++)
        {
            var symbol = ByteLevelAlphabet.ToChar((byte)b).ToString();
            byteIds[b] = vocab.TryGetValue(symbol, out var id) ? id
                : throw new TokenizerException($"{source}: model.vocab lacks the byte-level symbol '{symbol}' for byte 0x{b:X2}; only byte-level BPE is supported yet.");
        }
    }

    public Dictionary<string, int> Vocab { get; }

    public bool IgnoreMerges { get; }

    /// <summary>Appends the ids of one pre-token: its UTF-8 bytes mapped to the byte-level alphabet, then merged.</summary>
    [SkipLocalsInit]
    public void Encode(ReadOnlySpan<char> piece, List<int> output)
    {
        var maxBytes = piece.Length * 3;
        byte[]? rentedBytes = null;
        char[]? rentedChars = null;
        var bytes = maxBytes <= StackLimit ? stackalloc byte[StackLimit] : (rentedBytes = ArrayPool<byte>.Shared.Rent(maxBytes));
        var count = System.Text.Encoding.UTF8.GetBytes(piece, bytes);
        var chars = count <= StackLimit ? stackalloc char[StackLimit] : (rentedChars = ArrayPool<char>.Shared.Rent(count));
        ByteLevelAlphabet.Map(bytes[..count], chars);
        Encode(bytes[..count], chars[..count], output);
        if (rentedBytes is not null)
        {
            ArrayPool<byte>.Shared.Return(rentedBytes);
        }

        if (rentedChars is not null)
        {
            ArrayPool<char>.Shared.Return(rentedChars);
        }
    }

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

    private int Merge(ReadOnlySpan<byte> bytes, Span<int> ids, Span<int> ranks)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            ids[i] = byteIds[bytes[i]];
        }

        return merges.Apply(ids, ranks, bytes.Length);
    }
}
