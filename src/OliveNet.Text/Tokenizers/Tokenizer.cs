using System.Buffers;
using System.Text;
using OliveNet.Text.Tokenizers.Normalization;
using OliveNet.Text.Tokenizers.PreTokenizers;

namespace OliveNet.Text.Tokenizers;

/// <summary>
/// A BPE tokenizer loaded from a Hugging Face <c>tokenizer.json</c>: byte-level (GPT-2, Llama 3, Qwen3) or
/// SentencePiece-style with metaspace and byte fallback (Llama 2, Phi-3, Gemma).
/// Instances are immutable apart from an internal cache and are safe to use from several threads.
/// </summary>
public sealed partial class Tokenizer
{
    private readonly IWordModel model;
    private readonly AddedVocabulary added;
    private readonly TextNormalizer normalizer;
    private readonly IReadOnlyList<IPreTokenizer> preTokenizers;
    private readonly int[] prefixIds;
    private readonly int[] suffixIds;
    private readonly string?[] idToToken;
    private readonly byte[]?[] tokenBytes;
    private readonly bool[] special;
    private readonly Dictionary<string, int> addedByContent;

    private Tokenizer(IWordModel model, IReadOnlyList<AddedToken> addedTokens, TextNormalizer normalizer, IReadOnlyList<IPreTokenizer> preTokenizers, TokenDecoder decoder, int[] prefixIds, int[] suffixIds)
    {
        this.model = model;
        this.normalizer = normalizer;
        StripLeadingSpaces = decoder.StripLeadingSpaces;
        this.preTokenizers = preTokenizers;
        this.prefixIds = prefixIds;
        this.suffixIds = suffixIds;
        added = new AddedVocabulary(addedTokens);
        addedByContent = addedTokens.GroupBy(t => t.Content).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);

        var size = Math.Max(model.Vocab.Count == 0 ? 0 : model.Vocab.Values.Max() + 1, addedTokens.Count == 0 ? 0 : addedTokens.Max(t => t.Id) + 1);
        idToToken = new string?[size];
        special = new bool[size];
        foreach (var (token, id) in model.Vocab)
        {
            idToToken[id] = token;
        }

        foreach (var token in addedTokens)
        {
            idToToken[token.Id] = token.Content;
            special[token.Id] = token.Special;
        }

        tokenBytes = new byte[]?[size];
        for (var id = 0; id < size; id++)
        {
            tokenBytes[id] = idToToken[id] is { } token ? decoder.Bytes(token) : null;
        }
    }

    /// <summary>How many leading spaces decoding drops from the start of the text (SentencePiece's added prefix).</summary>
    public int StripLeadingSpaces { get; }

    /// <summary>Number of ids: one more than the largest id of the vocabulary and the added tokens.</summary>
    public int VocabSize => idToToken.Length;

    /// <summary>The added tokens (special and not), in file order.</summary>
    public IReadOnlyList<AddedToken> AddedTokens => added.Tokens;

    /// <summary>The id of a token string (an added token's content or a byte-level vocabulary entry), or null.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return addedByContent.TryGetValue(token, out var id) || model.Vocab.TryGetValue(token, out id) ? id : null;
    }

    /// <summary>The token string of an id (byte-level characters for vocabulary entries), or null when unknown.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)idToToken.Length ? idToToken[id] : null;

    /// <summary>True when <paramref name="id"/> is an added token flagged <c>special</c>.</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)special.Length && special[id];

    /// <summary>
    /// Encodes text: added tokens are matched first (longest at the leftmost position), the rest is normalized,
    /// pre-tokenized and run through BPE. With <paramref name="addSpecialTokens"/> the post-processor's template
    /// tokens (e.g. a beginning-of-text id) are added.
    /// </summary>
    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>((text.Length / 3) + 8);
        if (addSpecialTokens)
        {
            ids.AddRange(prefixIds);
        }

        var pieces = new List<Piece>();
        var scratch = new List<Piece>();
        var start = 0;
        while (start < text.Length)
        {
            if (!added.TryFindNext(text, start, out var index, out var length, out var token))
            {
                EncodeSegment(text, start, text.Length - start, ids, pieces, scratch);
                break;
            }

            EncodeSegment(text, start, index - start, ids, pieces, scratch);
            ids.Add(token.Id);
            start = index + length;
        }

        if (addSpecialTokens)
        {
            ids.AddRange(suffixIds);
        }

        return [.. ids];
    }

    /// <summary>
    /// Decodes ids to text; invalid UTF-8 (e.g. a multi-byte character cut off) becomes U+FFFD.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary.</exception>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var total = 0;
        foreach (var id in ids)
        {
            total += TokenBytes(id, skipSpecialTokens).Length;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(total);
        var length = 0;
        foreach (var id in ids)
        {
            var bytes = TokenBytes(id, skipSpecialTokens);
            bytes.CopyTo(buffer.AsSpan(length));
            length += bytes.Length;
        }

        var skip = 0;
        while (skip < StripLeadingSpaces && skip < length && buffer[skip] == (byte)' ')
        {
            skip++;
        }

        var text = Encoding.UTF8.GetString(buffer, skip, length - skip);
        ArrayPool<byte>.Shared.Return(buffer);
        return text;
    }

    /// <summary>The UTF-8 bytes an id decodes to (empty for a skipped special token).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is not in the vocabulary.</exception>
    internal ReadOnlySpan<byte> TokenBytes(int id, bool skipSpecialTokens)
    {
        if ((uint)id >= (uint)tokenBytes.Length || tokenBytes[id] is not { } bytes)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is not in the vocabulary (size {VocabSize}).");
        }

        return skipSpecialTokens && special[id] ? [] : bytes;
    }

    private void EncodeSegment(string text, int start, int length, List<int> ids, List<Piece> pieces, List<Piece> scratch)
    {
        if (length == 0)
        {
            return;
        }

        var segment = new Piece(text, start, length);
        if (normalizer.Apply(segment.Span, atInputStart: start == 0) is { } normalized)
        {
            segment = new Piece(normalized, 0, normalized.Length);
        }

        pieces.Clear();
        pieces.Add(segment);
        foreach (var step in preTokenizers)
        {
            scratch.Clear();
            step.Split(pieces, scratch);
            (pieces, scratch) = (scratch, pieces);
        }

        foreach (var piece in pieces)
        {
            model.Encode(piece.Span, ids);
        }
    }
}
