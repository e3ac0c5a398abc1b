namespace OliveNet.Engine.Data;

/// <summary>Decodes binary PGM (P5) and PPM (P6) images with a maximum value up to 255.</summary>
internal static class PnmDecoder
{
    public static Image Decode(byte[] file, string path)
    {
        var position = 0;
        string Token()
        {
            while (position < file.Length && (char.IsWhiteSpace((char)file[position]) || file[position] == '#'))
            {
                if (file[position] == '#')
                {
                    while (position < file.Length && file[position] != '\n')
                    {
                        position++;
                    }
                }
                else
                {
                    position++;
                }
            }

            var start = position;
            while (position < file.Length && !char.IsWhiteSpace((char)file[position]))
            {
                position++;
            }

            return System.Text.Encoding.ASCII.GetString(file, start, position - start);
        }

        var magic = Token();
        var channels = magic switch
        {
            "P5" => 1,
            "P6" => 3,
            _ => throw new DataException($"{path}: only binary PGM (P5) and PPM (P6) are supported, found '{magic}'"),
        };
        if (!int.TryParse(Token(), out var width) || !int.TryParse(Token(), out var height) || !int.TryParse(Token(), out var max) || max is < 1 or > 255)
        {
            throw new DataException($"{path}: malformed PNM header (need width, height and a maximum value of at most 255)");
        }

        position++;
        var count = width * height * channels;
        if (position + count > file.Length)
        {
            throw new DataException($"{path}: truncated: {width}x{height}x{channels} pixels need {count} bytes");
        }

        var pixels = file.AsSpan(position, count).ToArray();
        if (max != 255)
        {
            for (var i = 0; i < pixels.Length; i++)
            {
                pixels[i] = (byte)(pixels[i] * 255 / max);
            }
        }

        return new Image(width, height, channels, pixels);
    }
}
