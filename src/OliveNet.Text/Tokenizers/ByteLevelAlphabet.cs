namespace OliveNet.Text.Tokenizers;

/// <summary>
/// GPT-2's reversible bytes-to-characters table: printable Latin-1 bytes map to themselves, the other 68 bytes
/// map to U+0100 upwards in byte order, so every byte sequence becomes a string without spaces or controls.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly short[] CharToByte = BuildCharToByte();

    public static char ToChar(byte value) => ByteToChar[value];

    /// <summary>The byte a byte-level character stands for, or -1 when the character is not in the alphabet.</summary>
    public static int ToByte(char value) => value < CharToByte.Length ? CharToByte[value] : -1;

    /// <summary>Maps each byte to its character; <paramref name="destination"/> must be at least as long as <paramref name="bytes"/>.</summary>
    public static void Map(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            destination[i] = ByteToChar[bytes[i]];
        }
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }

    private static short[] BuildCharToByte()
    {
        var table = new short[324];
        Array.Fill(table, (short)-1);
        for (var b = 0; b < 256; b++)
        {
            table[ByteToChar[b]] = (short)b;
        }

        return table;
    }
}
