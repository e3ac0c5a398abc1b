using System.Buffers.Binary;
using System.IO.Compression;

namespace OliveNet.Engine.Data;

/// <summary>
/// Decodes non-interlaced 8-bit PNGs (greyscale, grey+alpha, RGB, RGBA, palette) into interleaved pixels: chunks per the
/// PNG spec, IDAT inflated with <see cref="ZLibStream"/>, scanline filters 0–4 undone. Alpha is kept as a channel.
/// </summary>
internal static class PngDecoder
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    public static Image Decode(byte[] file, string path)
    {
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(Signature))
        {
            throw new DataException($"{path}: not a PNG file (signature missing)");
        }

        int width = 0, height = 0, bitDepth = 0, colorType = 0, interlace = 0;
        byte[]? palette = null;
        using var idat = new MemoryStream();
        var offset = 8;
        while (offset + 12 <= file.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(file, offset + 4, 4);
            if (length < 0 || offset + 12 + length > file.Length)
            {
                throw new DataException($"{path}: truncated PNG chunk {type}");
            }

            var data = file.AsSpan(offset + 8, length);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    bitDepth = data[8];
                    colorType = data[9];
                    interlace = data[12];
                    break;
                case "PLTE":
                    palette = data.ToArray();
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }

            offset += 12 + length;
            if (type == "IEND")
            {
                break;
            }
        }

        var packed = bitDepth < 8 && colorType is 0 or 3;
        if ((bitDepth != 8 && !packed) || interlace != 0)
        {
            throw new DataException($"{path}: PNG with bit depth {bitDepth}{(interlace != 0 ? ", interlaced" : string.Empty)} is not supported; save it as 8-bit non-interlaced");
        }

        var channels = colorType switch
        {
            0 => 1,
            2 => 3,
            3 => 1,
            4 => 2,
            6 => 4,
            _ => throw new DataException($"{path}: PNG colour type {colorType} is not valid"),
        };
        // Packed greyscale and palette rows (1, 2 or 4 bits) filter on whole bytes with a 1-byte step.
        var stride = packed ? ((width * bitDepth) + 7) / 8 : width * channels;
        var filterStep = packed ? 1 : channels;
        var raw = new byte[(long)height * stride];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            var previous = new byte[stride];
            var line = new byte[stride + 1];
            for (var y = 0; y < height; y++)
            {
                z.ReadExactly(line);
                var current = raw.AsSpan(y * stride, stride);
                Unfilter(line[0], line.AsSpan(1), previous, current, filterStep, path);
                current.CopyTo(previous);
            }
        }

        if (packed)
        {
            raw = Unpack(raw, width, height, stride, bitDepth, colorType == 0);
        }

        if (colorType == 3)
        {
            return ExpandPalette(raw, width, height, palette ?? throw new DataException($"{path}: palette PNG without a PLTE chunk"));
        }

        return new Image(width, height, channels, raw);
    }

    private static void Unfilter(byte filter, ReadOnlySpan<byte> line, ReadOnlySpan<byte> previous, Span<byte> current, int bpp, string path)
    {
        for (var x = 0; x < line.Length; x++)
        {
            int a = x >= bpp ? current[x - bpp] : 0;
            int b = previous[x];
            int c = x >= bpp ? previous[x - bpp] : 0;
            var predictor = filter switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => Paeth(a, b, c),
                _ => throw new DataException($"{path}: PNG filter type {filter} is not valid"),
            };
            current[x] = (byte)(line[x] + predictor);
        }
    }

    /// <summary>One byte per pixel from 1/2/4-bit rows; greyscale is scaled to 0..255 as the spec's sample depth scaling.</summary>
    private static byte[] Unpack(byte[] rows, int width, int height, int stride, int bits, bool grey)
    {
        var pixels = new byte[width * height];
        var mask = (1 << bits) - 1;
        var scale = grey ? 255 / mask : 1;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var bit = x * bits;
                var value = (rows[(y * stride) + (bit / 8)] >> (8 - bits - (bit % 8))) & mask;
                pixels[(y * width) + x] = (byte)(value * scale);
            }
        }

        return pixels;
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static Image ExpandPalette(byte[] indices, int width, int height, byte[] palette)
    {
        var pixels = new byte[indices.Length * 3];
        for (var i = 0; i < indices.Length; i++)
        {
            palette.AsSpan(indices[i] * 3, 3).CopyTo(pixels.AsSpan(i * 3));
        }

        return new Image(width, height, 3, pixels);
    }
}
