using System.Text.Json.Nodes;
using OliveNet.Engine.Data;
using OliveNet.Runtime;

namespace OliveNet.Engine.Tests.Data;

/// <summary>IDX files in the MNIST layout, written by NumPy (gzipped, as the datasets ship).</summary>
public sealed class IdxDatasetTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-idx-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Images_and_labels_load_as_scaled_single_channel_tensors()
    {
        var images = Path.Combine(_dir.FullName, "images-idx3-ubyte.gz");
        var labels = Path.Combine(_dir.FullName, "labels-idx1-ubyte.gz");
        // Image i is filled with 50·i, label i is 9 − i; the IDX header is magic 0x0803/0x0801 then big-endian dims.
        ImageDecoderTests.Python($"""
            import gzip, struct, numpy as np
            pixels = np.stack([np.full((4, 5), 50 * i, dtype=np.uint8) for i in range(3)])
            with gzip.open(r"{images}", "wb") as f:
                f.write(struct.pack(">IIII", 0x803, 3, 4, 5) + pixels.tobytes())
            with gzip.open(r"{labels}", "wb") as f:
                f.write(struct.pack(">II", 0x801, 3) + bytes([9, 8, 7]))
            """);
        var config = new DataConfigSpec("idx", new DataComponent("idx_dataset", new JsonObject { ["images_file"] = images, ["labels_file"] = labels }), null, null, null, "idx");

        var data = DataPipeline.Load(config, [new NodeMetadata("x", OnnxValueType.Tensor, TensorElementType.Float, [1, 1, 4, 5], ["", "", "", ""])]);

        Assert.Equal([9, 8, 7], data.Batches.Select(b => (int)b.Labels![0]));
        Assert.All(data.Batches, b => Assert.Equal([1, 1, 4, 5], b.Inputs["x"].Shape));
        // Default scale 1/255: image 2 holds 100/255 everywhere.
        Assert.All(data.Batches[2].Inputs["x"].Floats(), v => Assert.Equal(100 / 255f, v, 6));
    }

    [Fact]
    public void A_missing_idx_file_says_how_to_get_fashion_mnist()
    {
        var config = new DataConfigSpec("idx", new DataComponent("idx_dataset", new JsonObject { ["images_file"] = "/nonexistent.gz" }), null, null, null, "idx");

        var error = Assert.Throws<DataException>(() => DataPipeline.Load(config, []));

        Assert.Contains("dataset-fashion-mnist", error.Message, StringComparison.Ordinal);
    }
}
