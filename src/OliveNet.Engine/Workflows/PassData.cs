using Google.Protobuf;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Caching;
using OliveNet.Engine.Data;
using OliveNet.Engine.Recipes;
using OliveNet.Onnx.Protos;
using OliveNet.Runtime;

namespace OliveNet.Engine.Workflows;

/// <summary>
/// Writes the data configs that passes name (<c>data_config</c>) as tensor folders in the ONNX test-data layout
/// (<c>sample_NN/input_k.pb</c>), which is what data-reading passes take as <c>data_dir</c>. Each batch is one sample.
/// The folder name carries a hash of the config and its files, so an existing folder is complete and reused.
/// </summary>
internal static class PassData
{
    public static void Write(Recipe recipe, ModelArtifact input, TextWriter progress)
    {
        foreach (var (name, folder) in recipe.PassDataFolders)
        {
            if (Directory.Exists(folder))
            {
                continue;
            }

            IReadOnlyList<NodeMetadata> inputs;
            using (var session = new InferenceSession(input.ModelPath))
            {
                inputs = session.Inputs;
            }

            var data = DataPipeline.Load(recipe.DataConfigs[name], inputs);
            var parent = Path.GetDirectoryName(folder)!;
            Directory.CreateDirectory(parent);
            var temp = Path.Combine(parent, $".{Path.GetFileName(folder)}.tmp-{Guid.NewGuid():N}");
            try
            {
                foreach (var (batch, i) in data.Batches.Select((b, i) => (b, i)))
                {
                    var sample = Directory.CreateDirectory(Path.Combine(temp, $"sample_{i:D4}")).FullName;
                    foreach (var (inputInfo, k) in inputs.Select((x, k) => (x, k)))
                    {
                        var tensor = batch.Inputs[inputInfo.Name];
                        var proto = new TensorProto { Name = inputInfo.Name, DataType = (int)tensor.Type, RawData = ByteString.CopyFrom(tensor.Bytes) };
                        proto.Dims.AddRange(tensor.Shape);
                        File.WriteAllBytes(Path.Combine(sample, $"input_{k}.pb"), proto.ToByteArray());
                    }
                }

                try
                {
                    TransientIo.Run(() => Directory.Move(temp, folder));
                    progress.WriteLine($"data {name}: {data.Batches.Count} samples written to {folder}");
                }
                catch (IOException) when (Directory.Exists(folder))
                {
                    // Another process sharing the cache wrote the same folder first; its name hashes the same content.
                    progress.WriteLine($"data {name}: written by another process to {folder}");
                }
            }
            finally
            {
                if (Directory.Exists(temp))
                {
                    Directory.Delete(temp, recursive: true);
                }
            }
        }
    }
}
