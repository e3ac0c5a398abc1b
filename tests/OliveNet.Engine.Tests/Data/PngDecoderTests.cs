using System.Diagnostics;
using OliveNet.Engine.Data;

namespace OliveNet.Engine.Tests.Data;

/// <summary>Our PNG and PNM decoders against Pillow (Debian's python3-pil) on images Pillow writes in every colour type.</summary>
public sealed class PngDecoderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-png-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("RGB", 3, "png")]
    [InlineData("L", 1, "png")]
    [InlineData("RGBA", 4, "png")]
    [InlineData("LA", 2, "png")]
    [InlineData("P", 3, "png")]
    [InlineData("RGB", 3, "ppm")]
    [InlineData("L", 1, "pgm")]
    public void Decoded_pixels_equal_Pillows(string mode, int channels, string extension)
    {
        var image = Path.Combine(_dir.FullName, $"image.{extension}");
        var raw = Path.Combine(_dir.FullName, "pixels.raw");
        // A gradient with noise exercises every PNG filter type Pillow's encoder chooses per row.
        Python($"""
            import random
            from PIL import Image
            random.seed(3)
            im = Image.new("RGB", (37, 23))
            im.putdata([((x * 7 + random.randrange(40)) % 256, (y * 11) % 256, (x * y + random.randrange(9)) % 256) for y in range(23) for x in range(37)])
            if "{mode}" == "P":
                im = im.quantize(16)
            elif "{mode}" != "RGB":
                im = im.convert("{mode}")
            im.save(r"{image}")
            decoded = im.convert("RGB") if "{mode}" == "P" else im
            open(r"{raw}", "wb").write(decoded.tobytes())
            """);

        var bytes = File.ReadAllBytes(image);
        var decoded = extension == "png" ? PngDecoder.Decode(bytes, image) : PnmDecoder.Decode(bytes, image);

        Assert.Equal((37, 23, channels), (decoded.Width, decoded.Height, decoded.Channels));
        Assert.Equal(File.ReadAllBytes(raw), decoded.Pixels);
    }

    [Fact]
    public void A_file_that_is_not_a_png_is_refused_with_its_path()
    {
        var error = Assert.Throws<DataException>(() => PngDecoder.Decode([1, 2, 3], "x.png"));
        Assert.Contains("x.png: not a PNG", error.Message, StringComparison.Ordinal);
    }

    internal static void Python(string script)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var lines = script.Split('\n');
        process.StandardInput.Write(string.Join('\n', lines));
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"python failed: {error}");
    }
}
