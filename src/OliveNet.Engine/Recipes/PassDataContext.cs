using System.Security.Cryptography;
using OliveNet.Engine.Data;

namespace OliveNet.Engine.Recipes;

/// <summary>
/// Maps a pass entry's <c>data_config: name</c> to the tensor folder the pass reads (its <c>data_dir</c> option). The
/// folder is <c>&lt;cache&gt;/&lt;workflow&gt;/data/&lt;name&gt;-&lt;hash&gt;</c>, the hash covering the data config (paths by file
/// name only) and the bytes of every file it reads, so the pass's cache key changes whenever the data does and not when
/// the recipe or the data moves (the key names the folder as <c>data:&lt;name&gt;-&lt;hash&gt;</c>, see
/// Workflows.PortableDataPaths). The runner writes the folder.
/// </summary>
internal sealed class PassDataContext(IReadOnlyDictionary<string, DataConfigSpec> data, string root, IReadOnlySet<string>? refused = null)
{
    /// <summary>Data configs that were given but refused; a reference to one was reported already.</summary>
    public IReadOnlySet<string> Refused { get; } = refused ?? new HashSet<string>();

    private readonly Dictionary<string, string> _used = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, DataConfigSpec> Data => data;

    /// <summary>Data config name → folder, for every data config a pass refers to.</summary>
    public IReadOnlyDictionary<string, string> Used => _used;

    public string FolderFor(string name)
    {
        if (_used.TryGetValue(name, out var folder))
        {
            return folder;
        }

        folder = Path.Combine(root, $"{name}-{ContentHash(name)[..16]}");
        _used[name] = folder;
        return folder;
    }

    /// <summary>
    /// The data config <paramref name="name"/> for a pass that reads it itself (Gptq's text calibration): its canonical
    /// JSON (paths resolved) plus <c>content_sha256</c>, the hash of the config and of every file it reads, so that the
    /// pass's cache key follows the data. Nothing is written for it.
    /// </summary>
    public System.Text.Json.Nodes.JsonObject Described(string name)
    {
        var described = System.Text.Json.Nodes.JsonNode.Parse(data[name].CanonicalJson)!.AsObject();
        described["content_sha256"] = ContentHash(name);
        return described;
    }

    private string ContentHash(string name)
    {
        var config = data[name];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var component in new[] { config.Load, config.PreProcess, config.DataLoader })
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"component {component?.Type}\n"));
            foreach (var (key, value) in (component?.Params ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                // A path counts by its content, not its location: the key and the file name, then every file's bytes.
                var rooted = value is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var text) && Path.IsPathRooted(text) ? text : null;
                sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{key}={(rooted is null ? value?.ToJsonString() : $"path:{Path.GetFileName(rooted)}")}\n"));
                if (rooted is not null)
                {
                    IEnumerable<string> files = Directory.Exists(rooted) ? Directory.EnumerateFiles(rooted, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                        : File.Exists(rooted) ? [rooted] : Array.Empty<string>();
                    foreach (var file in files)
                    {
                        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(rooted, file)));
                        sha.AppendData(File.ReadAllBytes(file));
                    }
                }
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
