using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;

namespace OliveNet.Text.Tokenizers;

/// <summary>
/// Character-level BPE as SentencePiece models ship it in <c>tokenizer.json</c> (Llama 2, Phi-3, Gemma): each
/// code point starts as its own symbol; a code point missing from the vocabulary becomes its UTF-8 bytes as
/// <c>&lt;0xNN&gt;</c> tokens (byte fallback) or the unknown token (consecutive ones fused when <c>fuse_unk</c>).
/// Thread-safe; short pieces are cached.
/// </summary>
internal sealed class SentencePieceBpeModel : IWordModel
{
    private const int CacheCapacity = 100_000;
    private const int MaxCachedLength = 64;
    private const int StackSymbols = 256;

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> vocabLookup;
    private readonly MergeTable merges;
    private readonly int[]? byteIds;
    private readonly int unknownId;
    private readonly bool fuseUnknown;
    private readonly bool ignoreMerges;
    private readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> cacheLookup;

    /// <param name="vocab">Token → id.</param>
    /// <param name="mergeList">Merges in rank order.</param>
    /// <param name="unknownToken">The <c>unk_token</c>, or null.</param>
    /// <param name="byteFallback">Whether unknown code points become <c>&lt;0xNN&gt;</c> byte tokens.</param>
    /// <param name="fuseUnknown">Whether consecutive unknown symbols become one unknown token.</param>
    /// <param name="ignoreMerges">Whether a piece found whole in the vocabulary is emitted as is.</param>
    /// <param name="source">The file, for error messages.</param>
    /// <exception cref="TokenizerException">The merges or the byte tokens do not fit the vocabulary.</exception>
    public SentencePieceBpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> mergeList, string? unknownToken, bool byteFallback, bool fuseUnknown, bool ignoreMerges, string source)
    {
        Vocab = vocab;
        vocabLookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        cacheLookup = cache.GetAlternateLookup<ReadOnlySpan<char>>();
        merges = new MergeTable(vocab, mergeList, source);
        unknownId = unknownToken is not null && vocab.TryGetValue(unknownToken, out var unk) ? unk : -1;
        this.fuseUnknown = fuseUnknown;
        this.ignoreMerges = ignoreMerges;
        if (byteFallback)
        {
            byteIds = new int[256];
            for (var b = 0; b < 256; b++)
            {
                byteIds[b] = vocab.TryGetValue(ByteToken((byte)b), out var id) ? id : -1;
            }
        }
    }

    public Dictionary<string, int> Vocab { get; }

    /// <summary>The vocabulary spelling of a fallback byte, e.g. <c>&lt;0x0A&gt;</c>.</summary>
    public static string ByteToken(byte value) => $"<0x{value:X2}>";

    [SkipLocalsInit]
    public void Encode(ReadOnlySpan<char> piece, List<int> output)
    {
        if (piece.IsEmpty)
        {
            return;
        }

        if (cacheLookup.TryGetValue(piece, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        if (ignoreMerges && vocabLookup.TryGetValue(piece, out var whole))
        {
            output.Add(whole);
            return;
        }

        // At most 4 fallback bytes per UTF-16 unit pair, so 4 symbols per char bounds every case.
        var capacity = piece.Length * 4;
        var rented = capacity > StackSymbols ? ArrayPool<int>.Shared.Rent(capacity * 2) : null;
        var ids = rented is null ? stackalloc int[StackSymbols] : rented.AsSpan(0, capacity);
        var ranks = rented is null ? stackalloc int[StackSymbols] : rented.AsSpan(capacity, capacity);
        var count = merges.Apply(ids, ranks, InitialSymbols(piece, ids));
        if (piece.Length <= MaxCachedLength && cache.Count < CacheCapacity)
        {
            var result = ids[..count].ToArray();
            cacheLookup.TryAdd(piece, result);
            output.AddRange(result);
        }
        else
        {
            foreach (var id in ids[..count])
            {
                output.Add(id);
            }
        }

        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    [SkipLocalsInit]
    private int InitialSymbols(ReadOnlySpan<char> piece, Span<int> ids)
    {
        var count = 0;
        var previousUnknown = false;
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < piece.Length;)
        {
            var width = char.IsHighSurrogate(piece[i]) && i + 1 < piece.Length && char.IsLowSurrogate(piece[i + 1]) ? 2 : 1;
            var symbol = piece.Slice(i, width);
            i += width;
            if (vocabLookup.TryGetValue(symbol, out var id))
            {
                ids[count++] = id;
                previousUnknown = false;
                continue;
            }

            if (byteIds is not null && TryBytes(symbol, utf8, ids[count..], out var written))
            {
                count += written;
                previousUnknown = false;
                continue;
            }

            if (unknownId < 0)
            {
                throw new TokenizerException($"'{symbol}' (U+{(symbol.Length == 2 ? char.ConvertToUtf32(symbol[0], symbol[1]) : symbol[0]):X4}) is not in the vocabulary, and the model has neither byte_fallback tokens nor an unk_token.");
            }

            if (!(fuseUnknown && previousUnknown))
            {
                ids[count++] = unknownId;
            }

            previousUnknown = true;
        }

        return count;
    }

    private bool TryBytes(ReadOnlySpan<char> symbol, Span<byte> utf8, Span<int> destination, out int written)
    {
        written = Encoding.UTF8.GetBytes(symbol, utf8);
        for (var b = 0; b < written; b++)
        {
            var id = byteIds![utf8[b]];
            if (id < 0)
            {
                written = 0;
                return false;
            }

            destination[b] = id;
        }

        return true;
    }
}
