using System.Text.Json;

namespace OliveNet.Passes.Export.SafeTensors;

/// <summary>
/// The weights of a Hugging Face checkpoint folder: <c>model.safetensors</c>, or the shards named by
/// <c>model.safetensors.index.json</c> (its <c>weight_map</c>: tensor name → shard file). Every shard is opened and
/// validated up front; a tensor the index names must exist in its shard. Dispose to unmap the files.
/// A vision-language checkpoint keeps its text decoder under a wrapper prefix (<c>model.language_model.*</c>, or
/// <c>language_model.model.*</c> and <c>language_model.lm_head.*</c> in older saves); those tensors are listed and read
/// under the plain decoder names (<c>model.*</c>, <c>lm_head.*</c>) every reader uses, the rest (vision tower,
/// projector) under their own.
/// </summary>
public sealed class SafeTensorsCheckpoint : IDisposable
{
    /// <summary>The single-file weights name.</summary>
    public const string SingleFile = "model.safetensors";

    /// <summary>The shard index name.</summary>
    public const string IndexFile = "model.safetensors.index.json";

    // Wrapper prefixes of a text decoder's tensors → the plain decoder prefix they stand for.
    private static readonly (string Stored, string Plain)[] TextPrefixes =
    [
        ("model.language_model.", "model."), ("language_model.model.", "model."), ("language_model.lm_head.", "lm_head."),
    ];

    private readonly List<SafeTensorsFile> _files;
    private readonly Dictionary<string, (SafeTensorsFile File, string Stored)> _byTensor;

    private SafeTensorsCheckpoint(string folder, List<SafeTensorsFile> files, Dictionary<string, SafeTensorsFile> byTensor)
    {
        Folder = folder;
        _files = files;
        _byTensor = new Dictionary<string, (SafeTensorsFile, string)>(StringComparer.Ordinal);
        foreach (var (stored, file) in byTensor.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var name = Plain(stored);
            if (!_byTensor.TryAdd(name, (file, stored)))
            {
                throw new SafeTensorsException(
                    $"{folder}: both '{stored}' and '{_byTensor[name].Stored}' stand for the decoder tensor '{name}'; a checkpoint holds its text decoder under one prefix.");
            }
        }
    }

    /// <summary>The checkpoint folder.</summary>
    public string Folder { get; }

    /// <summary>Every tensor name, sorted ordinally.</summary>
    public IReadOnlyList<string> Names => _byTensor.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>The weight files this checkpoint reads, in the order they were opened.</summary>
    public IReadOnlyList<string> Files => _files.Select(f => f.Path).ToList();

    /// <summary>The weight file names a folder's checkpoint consists of (index first when sharded), without opening them.</summary>
    /// <exception cref="SafeTensorsException">There are no safetensors weights, or the index is invalid.</exception>
    public static IReadOnlyList<string> WeightFiles(string folder)
    {
        var index = Path.Combine(folder, IndexFile);
        if (File.Exists(index))
        {
            return ReadIndex(index).Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Prepend(IndexFile).ToList();
        }

        if (File.Exists(Path.Combine(folder, SingleFile)))
        {
            return [SingleFile];
        }

        throw new SafeTensorsException(
            $"{folder}: no {SingleFile} or {IndexFile}; OliveNet reads checkpoints saved as safetensors (save with safe_serialization=True).");
    }

    /// <summary>Opens the checkpoint in <paramref name="folder"/>.</summary>
    /// <exception cref="SafeTensorsException">Files are missing or invalid, or the index names a tensor its shard lacks.</exception>
    public static SafeTensorsCheckpoint Open(string folder)
    {
        var full = Path.GetFullPath(folder);
        var files = new List<SafeTensorsFile>();
        var byTensor = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        try
        {
            var index = Path.Combine(full, IndexFile);
            if (File.Exists(index))
            {
                var map = ReadIndex(index);
                var open = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
                foreach (var (tensor, file) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!open.TryGetValue(file, out var shard))
                    {
                        shard = SafeTensorsFile.Open(Path.Combine(full, file));
                        open[file] = shard;
                        files.Add(shard);
                    }

                    if (!shard.Contains(tensor))
                    {
                        throw new SafeTensorsException($"{index}: weight_map puts '{tensor}' in {file}, which does not hold it.");
                    }

                    byTensor[tensor] = shard;
                }
            }
            else
            {
                _ = WeightFiles(full);
                var single = SafeTensorsFile.Open(Path.Combine(full, SingleFile));
                files.Add(single);
                foreach (var t in single.Tensors)
                {
                    byTensor[t.Name] = single;
                }
            }

            return new SafeTensorsCheckpoint(full, files, byTensor);
        }
        catch
        {
            files.ForEach(f => f.Dispose());
            throw;
        }
    }

    /// <summary>Whether the checkpoint holds <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byTensor.ContainsKey(name);

    /// <summary>The header entry of a tensor (under the name it was asked by).</summary>
    /// <exception cref="SafeTensorsException">No such tensor.</exception>
    public SafeTensorInfo Info(string name)
    {
        var (file, stored) = FileOf(name);
        return file.Info(stored) with { Name = name };
    }

    /// <summary>A tensor as a new float32 array (converted from F16/BF16 when needed).</summary>
    /// <exception cref="SafeTensorsException">No such tensor.</exception>
    public float[] ReadFloat32(string name)
    {
        var (file, stored) = FileOf(name);
        var data = new float[file.Info(stored).ElementCount];
        file.ReadFloat32(stored, data);
        return data;
    }

    /// <summary>Rows <c>[start, start + count)</c> of a tensor as float32 into <paramref name="destination"/>.</summary>
    /// <exception cref="SafeTensorsException">No such tensor.</exception>
    public void ReadRowsFloat32(string name, int start, int count, Span<float> destination)
    {
        var (file, stored) = FileOf(name);
        file.ReadRowsFloat32(stored, start, count, destination);
    }

    /// <summary>The stored bytes of a tensor (any dtype).</summary>
    /// <exception cref="SafeTensorsException">No such tensor.</exception>
    public byte[] ReadBytes(string name)
    {
        var (file, stored) = FileOf(name);
        return file.ReadBytes(stored);
    }

    /// <inheritdoc/>
    public void Dispose() => _files.ForEach(f => f.Dispose());

    /// <summary>The plain decoder name of a stored tensor name (itself unless it carries a wrapper's text prefix).</summary>
    internal static string Plain(string stored)
    {
        foreach (var (prefix, plain) in TextPrefixes)
        {
            if (stored.StartsWith(prefix, StringComparison.Ordinal))
            {
                return plain + stored[prefix.Length..];
            }
        }

        return stored;
    }

    private (SafeTensorsFile File, string Stored) FileOf(string name) => _byTensor.TryGetValue(name, out var f)
        ? f
        : throw new SafeTensorsException($"{Folder}: the checkpoint has no tensor '{name}'; is config.json from a different model than the weights?");

    private static Dictionary<string, string> ReadIndex(string index)
    {
        try
        {
            using var doc = JsonDocument.Parse(System.IO.File.ReadAllBytes(index));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new SafeTensorsException($"{index}: has no weight_map object (tensor name → shard file).");
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in map.EnumerateObject())
            {
                var file = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : string.Empty;
                if (file.Length == 0 || file.IndexOfAny(['/', '\\']) >= 0 || file is "." or "..")
                {
                    throw new SafeTensorsException($"{index}: weight_map entry '{p.Name}' must name a shard file in the same folder.");
                }

                result[p.Name] = file;
            }

            return result;
        }
        catch (JsonException e)
        {
            throw new SafeTensorsException($"{index}: not valid JSON ({e.Message}).", e);
        }
    }
}
