using System.Text;

namespace OliveNet.Text.Tokenizers;

/// <summary>
/// Decodes ids one at a time, as a generator produces them. Text is returned only once its UTF-8 is complete,
/// so a character split across tokens (common for CJK and emoji in byte-level BPE) is emitted whole.
/// Not thread-safe; one instance per stream. The <see cref="Tokenizer"/> is borrowed, not owned.
/// </summary>
public sealed class TokenStreamDecoder(Tokenizer tokenizer, bool skipSpecialTokens = false)
{
    private readonly List<byte> pending = [];
    private int stripRemaining = tokenizer?.StripLeadingSpaces ?? 0;

    /// <summary>Adds one id and returns the text it completes (possibly empty).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is not in the vocabulary.</exception>
    public string Push(int id)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        foreach (var b in tokenizer.TokenBytes(id, skipSpecialTokens))
        {
            // SentencePiece decoders drop the prefix space once, at the start of the text.
            if (stripRemaining > 0 && b == (byte)' ')
            {
                stripRemaining--;
                continue;
            }

            stripRemaining = 0;
            pending.Add(b);
        }

        var complete = pending.Count - IncompleteTailLength();
        if (complete == 0)
        {
            return string.Empty;
        }

        var text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending)[..complete]);
        pending.RemoveRange(0, complete);
        return text;
    }

    /// <summary>Returns whatever is still buffered, with U+FFFD for an unfinished character, and resets.</summary>
    public string Flush()
    {
        var text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending));
        pending.Clear();
        return text;
    }

    // Length of a trailing UTF-8 sequence that has a valid lead byte but lacks continuation bytes; such a tail
    // may still be completed by the next token. Anything else is final and decodes (lossily) now.
    private int IncompleteTailLength()
    {
        var count = pending.Count;
        for (var back = 1; back <= Math.Min(3, count); back++)
        {
            var b = pending[count - back];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }

            var needed = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 && b < 0xF0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 1;
            return needed > back ? back : 0;
        }

        return 0;
    }
}
