using System.Buffers;

namespace OliveNet.Text.Tokenizers;

/// <summary>
/// Finds added tokens in text: at the leftmost position where any token starts, the longest one wins.
/// </summary>
internal sealed class AddedVocabulary
{
    private readonly Dictionary<char, AddedToken[]> byFirstChar;
    private readonly SearchValues<char> firstChars;

    public AddedVocabulary(IReadOnlyList<AddedToken> tokens)
    {
        Tokens = tokens;
        byFirstChar = tokens.Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
        firstChars = SearchValues.Create([.. byFirstChar.Keys]);
    }

    public IReadOnlyList<AddedToken> Tokens { get; }

    /// <summary>
    /// Finds the next added token at or after <paramref name="start"/>; false when there is none. The span
    /// [<paramref name="index"/>, +<paramref name="length"/>) includes whitespace the token strips (lstrip/rstrip).
    /// </summary>
    public bool TryFindNext(string text, int start, out int index, out int length, out AddedToken token)
    {
        var position = start;
        while (position < text.Length)
        {
            var offset = text.AsSpan(position).IndexOfAny(firstChars);
            if (offset < 0)
            {
                break;
            }

            position += offset;
            foreach (var candidate in byFirstChar[text[position]])
            {
                if (text.AsSpan(position).StartsWith(candidate.Content, StringComparison.Ordinal))
                {
                    index = position;
                    var end = position + candidate.Content.Length;
                    while (candidate.LeftStrip && index > start && char.IsWhiteSpace(text[index - 1]))
                    {
                        index--;
                    }

                    while (candidate.RightStrip && end < text.Length && char.IsWhiteSpace(text[end]))
                    {
                        end++;
                    }

                    length = end - index;
                    token = candidate;
                    return true;
                }
            }

            position++;
        }

        index = -1;
        length = 0;
        token = null!;
        return false;
    }
}
