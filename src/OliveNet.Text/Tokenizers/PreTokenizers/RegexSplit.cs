using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace OliveNet.Text.Tokenizers.PreTokenizers;

/// <summary>
/// The <c>Split</c> pre-tokenizer: regex matches and the gaps between them become pieces ("Isolated"), or matches
/// are dropped ("Removed"), or each match joins the gap before it ("MergedWithPrevious") or after it
/// ("MergedWithNext"). Letters and digits outside the BMP are matched as such (see <see cref="Split"/>).
/// </summary>
internal sealed class RegexSplit(Regex regex, SplitBehavior behavior) : IPreTokenizer
{
    /// <summary>The pattern GPT-2 (and ByteLevel with use_regex) splits with.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public SplitBehavior Behavior { get; } = behavior;

    public static Regex Compile(string pattern) =>
        new(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);

    public void Split(List<Piece> input, List<Piece> output)
    {
        foreach (var piece in input)
        {
            var span = piece.Span;
            char[]? shadow = null;
            if (span.IndexOfAnyInRange('\uD800', '\uDBFF') >= 0)
            {
                shadow = ShadowAstralLetters(span);
            }

            var first = output.Count;
            var last = 0;
            var previousIsGap = false;
            var pendingMatch = -1;
            var matches = shadow is null ? regex.EnumerateMatches(span) : regex.EnumerateMatches(shadow.AsSpan(0, span.Length));
            foreach (var match in matches)
            {
                if (match.Length == 0)
                {
                    continue;
                }

                if (match.Index > last)
                {
                    AddGap(output, piece, ref pendingMatch, last, match.Index);
                    previousIsGap = true;
                }

                AddMatch(output, piece, ref pendingMatch, ref previousIsGap, match.Index, match.Length);
                last = match.Index + match.Length;
            }

            if (last < span.Length)
            {
                AddGap(output, piece, ref pendingMatch, last, span.Length);
            }
            else if (pendingMatch >= 0)
            {
                output.Add(piece with { Start = piece.Start + pendingMatch, Length = span.Length - pendingMatch });
            }

            if (shadow is not null)
            {
                ArrayPool<char>.Shared.Return(shadow);
                JoinSplitSurrogatePairs(output, first);
            }
        }
    }

    private void AddGap(List<Piece> output, Piece piece, ref int pendingMatch, int start, int end)
    {
        if (Behavior == SplitBehavior.Removed)
        {
            output.Add(piece with { Start = piece.Start + start, Length = end - start });
            return;
        }

        // A pending MergedWithNext match starts the gap's piece.
        var from = pendingMatch >= 0 ? pendingMatch : start;
        pendingMatch = -1;
        output.Add(piece with { Start = piece.Start + from, Length = end - from });
    }

    private void AddMatch(List<Piece> output, Piece piece, ref int pendingMatch, ref bool previousIsGap, int index, int length)
    {
        switch (Behavior)
        {
            case SplitBehavior.Removed:
                break;
            case SplitBehavior.MergedWithPrevious when previousIsGap:
                output[^1] = output[^1] with { Length = output[^1].Length + length };
                break;
            case SplitBehavior.MergedWithNext:
                if (pendingMatch >= 0)
                {
                    output.Add(piece with { Start = piece.Start + pendingMatch, Length = index - pendingMatch });
                }

                pendingMatch = index;
                break;
            default:
                output.Add(piece with { Start = piece.Start + index, Length = length });
                break;
        }

        previousIsGap = false;
    }

    // A shadowed astral number may be cut between its two code units (e.g. by \p{N} or \p{N}{1,3});
    // rejoining such cuts gives the code-point pieces for runs of astral digits.
    private static void JoinSplitSurrogatePairs(List<Piece> output, int first)
    {
        for (var i = output.Count - 2; i >= first; i--)
        {
            var piece = output[i];
            var next = output[i + 1];
            if (char.IsHighSurrogate(piece.Span[^1]) && next.Start == piece.Start + piece.Length && char.IsLowSurrogate(next.Span[0]))
            {
                output[i] = piece with { Length = piece.Length + next.Length };
                output.RemoveAt(i + 1);
            }
        }
    }

    // .NET's Regex sees UTF-16 code units, so \p{L} never matches a surrogate pair (e.g. CJK Extension B).
    // Matching on a copy where such letters read as two BMP letters keeps the piece boundaries of a code-point
    // regex engine for letters; the slices are still taken from the original text.
    private static char[] ShadowAstralLetters(ReadOnlySpan<char> span)
    {
        var shadow = ArrayPool<char>.Shared.Rent(span.Length);
        span.CopyTo(shadow);
        for (var i = 0; i + 1 < span.Length; i++)
        {
            if (char.IsHighSurrogate(span[i]) && char.IsLowSurrogate(span[i + 1]))
            {
                var category = Rune.GetUnicodeCategory(new Rune(span[i], span[i + 1]));
                if (category <= UnicodeCategory.OtherLetter)
                {
                    shadow[i] = 'a';
                    shadow[i + 1] = 'a';
                }
                else if (category is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber)
                {
                    shadow[i] = '1';
                    shadow[i + 1] = '1';
                }

                i++;
            }
        }

        return shadow;
    }
}
