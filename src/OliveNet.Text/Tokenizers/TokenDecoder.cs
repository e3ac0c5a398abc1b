using System.Globalization;
using System.Text;

namespace OliveNet.Text.Tokenizers;

/// <summary>
/// The <c>decoder</c> of a <c>tokenizer.json</c>, reduced to what each token contributes: its bytes (byte-level
/// alphabet, or the metaspace replaced by a space and <c>&lt;0xNN&gt;</c> tokens as raw bytes) and how many
/// leading spaces are dropped from the start of the whole text (a <c>Strip</c> decoder or Metaspace's prefix).
/// </summary>
internal sealed record TokenDecoder(bool ByteLevel, string? Replacement, bool ByteFallback, int StripLeadingSpaces)
{
    /// <summary>GPT-2 style: each character of a token stands for one byte.</summary>
    public static TokenDecoder ByteLevelDecoder { get; } = new(true, null, false, 0);

    /// <summary>The UTF-8 bytes one token decodes to.</summary>
    public byte[] Bytes(string token)
    {
        if (ByteLevel)
        {
            return ByteLevelBytes(token);
        }

        if (ByteFallback && token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            return [value];
        }

        return Encoding.UTF8.GetBytes(Replacement is null ? token : token.Replace(Replacement, " ", StringComparison.Ordinal));
    }

    // A token whose characters are all in the byte-level alphabet stands for those bytes; any other token
    // (e.g. an added token with non-alphabet characters) stands for its own UTF-8.
    private static byte[] ByteLevelBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            var b = ByteLevelAlphabet.ToByte(token[i]);
            if (b < 0)
            {
                return Encoding.UTF8.GetBytes(token);
            }

            bytes[i] = (byte)b;
        }

        return bytes;
    }
}
