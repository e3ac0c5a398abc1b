using System.Security.Cryptography;
using OliveNet.Runtime;

namespace OliveNet.Engine.Data;

/// <summary>
/// Turns a <see cref="DataConfigSpec"/> into batches for one model: load → pre-process → check against the model's inputs →
/// seeded sampling and batching. Every problem is a <see cref="DataException"/> naming the data config.
/// </summary>
public static class DataPipeline
{
    /// <summary>Pre-process component types.</summary>
    public static IReadOnlyList<string> PreProcessTypes { get; } = ["image_transform"];

    /// <summary>
    /// Dataloader component types (Olive's names). The recipe loader reads no_auto_batch_dataloader (samples that already
    /// carry their batch dimension) as default_dataloader with batch_size 1, which is the same thing here.
    /// </summary>
    public static IReadOnlyList<string> DataLoaderTypes { get; } = ["default_dataloader", "no_auto_batch_dataloader"];

    /// <summary>Load component types.</summary>
    public static IReadOnlyList<string> LoadTypes => Loaders.Types;

    /// <summary>Loads the data for a model with the given inputs.</summary>
    /// <exception cref="DataException">Missing files, unreadable data, a mismatch with the model's inputs, or no samples.</exception>
    public static LoadedData Load(DataConfigSpec config, IReadOnlyList<NodeMetadata> inputs)
    {
        var where = $"data_configs.{config.Name}";
        ImageTransform? transform = null;
        if (config.PreProcess is { } pre)
        {
            transform = pre.Type == "image_transform"
                ? new ImageTransform(new ComponentParams($"{where}.pre_process_data_config", pre.Params))
                : throw new DataException($"{where}.pre_process_data_config: type '{pre.Type}' is not built in; use image_transform");
        }

        var samples = Loaders.Load(config.Load, new ComponentParams($"{where}.load_dataset_config", config.Load.Params), transform, inputs);
        if (samples.Count == 0)
        {
            throw new DataException($"{where}: the dataset is empty; check the folder or files it reads");
        }

        var named = samples.Select(s => Bind(s, inputs, where)).ToList();
        var loader = new ComponentParams($"{where}.dataloader_config", config.DataLoader?.Params ?? []);
        if (config.DataLoader is { Type: not "default_dataloader" } other)
        {
            throw new DataException($"{where}.dataloader_config: type '{other.Type}' is not built in; use default_dataloader");
        }

        var order = Enumerable.Range(0, named.Count).ToArray();
        if (loader.Bool("shuffle", false))
        {
            new Random(loader.Int("seed", 0)).Shuffle(order);
        }

        var max = loader.Int("max_samples", 0);
        var chosen = order.Take(max > 0 ? max : order.Length).Select(i => named[i]).ToList();
        var batchSize = Math.Max(1, loader.Int("batch_size", 1));
        var batches = chosen.Chunk(batchSize).Select(chunk => Concatenate(chunk, inputs, where)).ToList();
        return new LoadedData(config.Name, batches, Hash(config, batches), config.PostProcess);
    }

    private static RawSample Bind(RawSample sample, IReadOnlyList<NodeMetadata> inputs, string where)
    {
        var tensors = new Dictionary<string, SampleTensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in sample.Tensors)
        {
            var input = name == "input_0" && inputs.Count >= 1 && inputs.All(i => i.Name != "input_0") ? inputs[0] : inputs.FirstOrDefault(i => i.Name == name)
                ?? throw new DataException($"{where}: data has tensor '{name}', but the model's inputs are {string.Join(", ", inputs.Select(i => i.Name))}");
            // A float16 model (OnnxFloatToFloat16 without keep_io_types) takes the same data rounded to float16, as an
            // application feeding it would; the data hash then covers the rounded values.
            var value = tensor.As(input.ElementType)
                ?? throw new DataException($"{where}: input '{input.Name}' is {input.ElementType} in the model, but the data gives {tensor.Type}");

            if (tensor.Shape.Length != input.Shape.Count || tensor.Shape.Where((d, i) => input.Shape[i] >= 0 && input.Shape[i] != d && i > 0).Any())
            {
                throw new DataException($"{where}: input '{input.Name}' has shape [{string.Join(",", input.Shape.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}] in the model, but the data gives {tensor.ShapeText}");
            }

            tensors[input.Name] = value;
        }

        var missing = inputs.Where(i => !tensors.ContainsKey(i.Name)).Select(i => i.Name).ToList();
        return missing.Count == 0 ? sample with { Tensors = tensors } : throw new DataException($"{where}: no data for model input(s) {string.Join(", ", missing)}");
    }

    private static Batch Concatenate(RawSample[] chunk, IReadOnlyList<NodeMetadata> inputs, string where)
    {
        var tensors = new Dictionary<string, SampleTensor>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            var parts = chunk.Select(s => s.Tensors[input.Name]).ToList();
            if (parts.Count == 1)
            {
                tensors[input.Name] = parts[0];
                continue;
            }

            if (parts.Any(p => !p.Shape.AsSpan(1).SequenceEqual(parts[0].Shape.AsSpan(1))))
            {
                throw new DataException($"{where}: samples of input '{input.Name}' differ in shape, so they cannot be batched; use batch_size 1 or pad them");
            }

            if (input.Shape[0] >= 0 && input.Shape[0] != parts.Sum(p => p.Shape[0]))
            {
                throw new DataException($"{where}: the model fixes the batch of '{input.Name}' to {input.Shape[0]}; set dataloader batch_size to match");
            }

            var shape = parts[0].Shape.ToArray();
            shape[0] = parts.Sum(p => p.Shape[0]);
            tensors[input.Name] = new SampleTensor(parts[0].Type, shape, parts.SelectMany(p => p.Bytes).ToArray());
        }

        var labels = chunk.All(s => s.Label is not null) ? chunk.Select(s => s.Label!).ToList() : null;
        return new Batch(tensors, labels);
    }

    private static string Hash(DataConfigSpec config, IReadOnlyList<Batch> batches)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(config.CanonicalJson));
        foreach (var batch in batches)
        {
            foreach (var (name, tensor) in batch.Inputs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{name}:{tensor.Type}:{tensor.ShapeText}"));
                sha.AppendData(tensor.Bytes);
            }

            foreach (var label in batch.Labels ?? [])
            {
                sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"label:{label}\n"));
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
