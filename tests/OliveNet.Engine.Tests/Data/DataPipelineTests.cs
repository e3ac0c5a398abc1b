using System.Text.Json.Nodes;
using OliveNet.Engine.Data;
using OliveNet.Runtime;

namespace OliveNet.Engine.Tests.Data;

/// <summary>Loading, checking and batching data for a model's inputs, on files written by Pillow and NumPy.</summary>
public sealed class DataPipelineTests : IDisposable
{
    private static readonly NodeMetadata[] ImageInput = [Input("x", TensorElementType.Float, -1, 3, 8, 12)];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-data-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Image_folders_give_normalized_padded_nchw_tensors_and_folder_labels()
    {
        var root = Path.Combine(_dir.FullName, "images");
        // Two classes; each image is one flat colour, so every normalized value is known: (v/255 − 0.5)/0.5.
        ImageDecoderTests.Python($"""
            import os
            from PIL import Image
            for cls, colour in (("cat", (255, 0, 51)), ("dog", (0, 255, 102))):
                os.makedirs(os.path.join(r"{root}", cls), exist_ok=True)
                for i in range(2):
                    Image.new("RGB", (10, 8), colour).save(os.path.join(r"{root}", cls, "%d.png" % i))
            """);
        var config = Config(
            new DataComponent("image_folder", new JsonObject { ["data_dir"] = root, ["label_from"] = "folder" }),
            new DataComponent("image_transform", new JsonObject { ["mean"] = new JsonArray(0.5), ["std"] = new JsonArray(0.5), ["pad_to"] = new JsonArray(8, 12), ["pad_value"] = -9 }),
            new DataComponent("default_dataloader", new JsonObject { ["batch_size"] = 2 }));

        var data = DataPipeline.Load(config, ImageInput);

        Assert.Equal(2, data.Batches.Count);
        Assert.Equal([0, 0], data.Batches[0].Labels!);
        Assert.Equal([1, 1], data.Batches[1].Labels!);
        var tensor = data.Batches[0].Inputs["x"];
        Assert.Equal([2, 3, 8, 12], tensor.Shape);
        var values = tensor.Floats();
        // Sample 0, channel 0 (R = 255 → 1), row 0: 10 pixels then 2 padded with pad_value; channel 2 (B = 51 → −0.6).
        Assert.Equal(1f, values[0], 6);
        Assert.Equal(-9f, values[10]);
        Assert.Equal(-0.6f, values[(2 * 8 * 12) + 5], 6);
    }

    [Fact]
    public void Npy_tensor_folders_load_with_labels_and_shuffle_deterministically()
    {
        var root = Path.Combine(_dir.FullName, "tensors");
        ImageDecoderTests.Python($"""
            import os, numpy as np
            for i in range(5):
                d = os.path.join(r"{root}", "sample_%d" % i)
                os.makedirs(d)
                np.save(os.path.join(d, "input_0.npy"), np.full((1, 3, 8, 12), i, dtype=np.float32))
            open(os.path.join(r"{root}", "labels.txt"), "w").write("0\n1\n2\n3\n4\n")
            """);
        var load = new DataComponent("tensor_folder", new JsonObject { ["data_dir"] = root, ["labels_file"] = Path.Combine(root, "labels.txt"), ["label_type"] = "int" });
        var loader = new DataComponent("default_dataloader", new JsonObject { ["shuffle"] = true, ["seed"] = 5, ["max_samples"] = 3 });

        var first = DataPipeline.Load(Config(load, null, loader), ImageInput);
        var second = DataPipeline.Load(Config(load, null, loader), ImageInput);

        Assert.Equal(3, first.Batches.Count);
        Assert.Equal(first.Sha256, second.Sha256);
        // Each tensor is filled with its sample's index, which is also its label.
        Assert.All(first.Batches, b => Assert.Equal((float)(int)b.Labels![0], b.Inputs["x"].Floats()[0]));
        Assert.NotEqual([0, 1, 2], first.Batches.Select(b => (int)b.Labels![0]));
    }

    [Fact]
    public void Npz_archives_are_samples_with_arrays_named_by_input_or_position()
    {
        var root = Path.Combine(_dir.FullName, "archives");
        ImageDecoderTests.Python($"""
            import os, numpy as np
            os.makedirs(r"{root}")
            np.savez(os.path.join(r"{root}", "a.npz"), x=np.arange(288, dtype=np.float32).reshape(1, 3, 8, 12))
            np.savez(os.path.join(r"{root}", "b.npz"), np.full((1, 3, 8, 12), 7, dtype=np.float32))
            np.savez(os.path.join(r"{root}", "c.npz"), y=np.zeros((1, 3, 8, 12), dtype=np.float32))
            """);
        File.Move(Path.Combine(root, "c.npz"), Path.Combine(_dir.FullName, "c.npz"));
        var load = new DataComponent("tensor_folder", new JsonObject { ["data_dir"] = root });

        var data = DataPipeline.Load(Config(load, null, null), ImageInput);

        Assert.Equal(2, data.Batches.Count);
        // a.npz names its array after the input; b.npz is positional (savez's arr_0).
        Assert.Equal(287f, data.Batches[0].Inputs["x"].Floats()[287]);
        Assert.All(data.Batches[1].Inputs["x"].Floats(), v => Assert.Equal(7f, v));

        File.Move(Path.Combine(_dir.FullName, "c.npz"), Path.Combine(root, "c.npz"));
        var wrong = Assert.Throws<DataException>(() => DataPipeline.Load(Config(load, null, null), ImageInput));
        Assert.Contains("c.npz has no array 'x' (or 'arr_0') for model input 'x'; it holds y", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_folders_empty_data_and_wrong_shapes_or_types_are_named()
    {
        var missing = Assert.Throws<DataException>(() => DataPipeline.Load(
            Config(new DataComponent("image_folder", new JsonObject { ["data_dir"] = "/nonexistent/x" }), null, null), ImageInput));
        Assert.Contains("data_configs.d.load_dataset_config: params.data_dir folder /nonexistent/x does not exist", missing.Message, StringComparison.Ordinal);

        var empty = Directory.CreateDirectory(Path.Combine(_dir.FullName, "empty")).FullName;
        var none = Assert.Throws<DataException>(() => DataPipeline.Load(
            Config(new DataComponent("image_folder", new JsonObject { ["data_dir"] = empty }), null, null), ImageInput));
        Assert.Contains("empty", none.Message, StringComparison.Ordinal);

        var dummy = Config(new DataComponent("dummy_dataset", new JsonObject { ["max_samples"] = 1 }), null, null);
        var shape = Assert.Throws<DataException>(() => DataPipeline.Load(
            Config(new DataComponent("dummy_dataset", new JsonObject { ["input_shapes"] = new JsonObject { ["x"] = new JsonArray(1, 3, 9, 12) } }), null, null), ImageInput));
        Assert.Contains("input 'x' has shape [?,3,8,12] in the model, but the data gives [1,3,9,12]", shape.Message, StringComparison.Ordinal);
        var type = Assert.Throws<DataException>(() => DataPipeline.Load(dummy, [Input("x", TensorElementType.Bool, 2)]));
        Assert.Contains("cannot generate input 'x'", type.Message, StringComparison.Ordinal);
    }

    private static DataConfigSpec Config(DataComponent load, DataComponent? pre, DataComponent? loader) =>
        new("d", load, pre, loader, null, $"{load.Type}{load.Params.ToJsonString()}{pre?.Params.ToJsonString()}{loader?.Params.ToJsonString()}");

    private static NodeMetadata Input(string name, TensorElementType type, params long[] shape) =>
        new(name, OnnxValueType.Tensor, type, shape, shape.Select(_ => string.Empty).ToArray());
}
