using System.Buffers.Binary;
using System.IO.Compression;

namespace OliveNet.Engine.Data;

/// <summary>
/// IDX files as MNIST and Fashion-MNIST ship them (optionally gzipped): an unsigned-byte image file [n, rows, cols] and a
/// label file [n]. Each image becomes a greyscale image for <c>image_transform</c> (default: [1, 1, rows, cols], x/255).
/// </summary>
internal static class IdxDataset
{
    public static IReadOnlyList<RawSample> Load(ComponentParams p, ImageTransform? transform)
    {
        var images = Read(p.RequiredString("images_file"), p, 3);
        (int[] Dims, byte[] Data)? labels = p.String("labels_file") is { } l ? Read(l, p, 1) : null;
        var (count, rows, cols) = (images.Dims[0], images.Dims[1], images.Dims[2]);
        if (labels is { } lab && lab.Dims[0] != count)
        {
            throw new DataException($"{p.Where}: {count} images but {lab.Dims[0]} labels");
        }

        var t = transform ?? new ImageTransform(new ComponentParams(p.Where, new System.Text.Json.Nodes.JsonObject { ["channels"] = 1 }));
        var max = p.Int("max_samples", count);
        return Enumerable.Range(0, Math.Min(max, count)).Select(i =>
        {
            var pixels = images.Data.AsSpan(i * rows * cols, rows * cols).ToArray();
            var tensor = t.Apply(new Image(cols, rows, 1, pixels));
            return new RawSample(new Dictionary<string, SampleTensor> { ["input_0"] = tensor }, labels is null ? null : (object)(int)labels.Value.Data[i]);
        }).ToList();
    }

    private static (int[] Dims, byte[] Data) Read(string path, ComponentParams p, int rank)
    {
        if (!File.Exists(path))
        {
            throw new DataException($"{p.Where}: IDX file {path} does not exist (Fashion-MNIST: apt-get install dataset-fashion-mnist)");
        }

        byte[] bytes;
        using (var file = File.OpenRead(path))
        using (var memory = new MemoryStream())
        {
            Stream source = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
            source.CopyTo(memory);
            bytes = memory.ToArray();
        }

        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 || bytes[3] != rank)
        {
            throw new DataException($"{path}: not an unsigned-byte IDX file of rank {rank}");
        }

        var dims = Enumerable.Range(0, rank).Select(d => BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * d)))).ToArray();
        var offset = 4 + (4 * rank);
        return (dims, bytes.AsSpan(offset).ToArray());
    }
}
