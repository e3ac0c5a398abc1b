using StbImageSharp;

namespace OliveNet.Engine.Data;

/// <summary>
/// Decodes the image files <c>image_folder</c> reads into interleaved 8-bit pixels: JPEG, PNG, BMP and GIF (first frame)
/// through StbImageSharp, binary PGM/PPM through <see cref="PnmDecoder"/>. Channels are the file's own (grey 1, grey+alpha
/// 2, RGB 3, RGBA 4; palettes expand to RGB, or RGBA when they carry transparency); 16-bit samples keep their high byte.
/// </summary>
internal static class ImageDecoder
{
    /// <summary>The file extensions (lower case, with the dot) that <see cref="Decode"/> reads.</summary>
    public static IReadOnlySet<string> Extensions { get; } = new HashSet<string>(StringComparer.Ordinal) { ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".ppm", ".pgm" };

    /// <exception cref="DataException">The bytes are not a readable image of a supported format; the message names <paramref name="path"/>.</exception>
    public static Image Decode(byte[] file, string path)
    {
        if (Path.GetExtension(path).ToLowerInvariant() is ".ppm" or ".pgm")
        {
            return PnmDecoder.Decode(file, path);
        }

        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(file, ColorComponents.Default);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // StbImageSharp reports every malformed or unsupported file as a plain Exception with stb_image's reason.
            throw new DataException($"{path}: not a readable JPEG, PNG, BMP or GIF image ({e.Message}); re-save it in one of those formats");
        }

        return new Image(result.Width, result.Height, (int)result.Comp, result.Data);
    }
}
