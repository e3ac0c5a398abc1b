using System.Security.Cryptography;
using System.Text;
using OliveNet.Onnx;

namespace OliveNet.Engine.Artifacts;

/// <summary>
/// Content ids: SHA-256 over the sorted list of (relative path, size, SHA-256 of the bytes) of an artifact's files.
/// Equal ids mean equal bytes, whatever the folder is called.
/// </summary>
public static class ArtifactHasher
{
    /// <summary>The id of every file under <paramref name="folder"/>.</summary>
    public static string HashFolder(string folder) =>
        Hash(folder, Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories));

    /// <summary>
    /// The id of a model file and the external data files it references, plus the other ONNX components its folder's
    /// genai_config.json names (<see cref="ModelComponents"/>: a Whisper encoder beside its decoder) and theirs; not its
    /// other neighbours.
    /// </summary>
    public static string HashModel(string modelPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        var files = ModelComponents.Paths(modelPath)
            .SelectMany(path => OnnxModel.Load(path).ExternalDataFiles().Select(f => f.FullPath).Prepend(path))
            .Distinct(StringComparer.Ordinal);
        return Hash(folder, files);
    }

    /// <summary>
    /// The id of a Hugging Face checkpoint folder: its top-level configuration, weight and tokenizer files
    /// (<c>*.json</c>, <c>*.safetensors</c>, <c>*.model</c>, <c>*.txt</c>, <c>*.jinja</c>), streamed through SHA-256.
    /// Other files (READMEs, .git, framework-specific weights) do not change the id.
    /// </summary>
    public static string HashCheckpoint(string folder)
    {
        string[] kinds = [".json", ".safetensors", ".model", ".txt", ".jinja"];
        var full = Path.GetFullPath(folder);
        return Hash(full, Directory.EnumerateFiles(full).Where(f => kinds.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)));
    }

    /// <summary>SHA-256 of one file, lower-case hex.</summary>
    public static string HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string Hash(string root, IEnumerable<string> files)
    {
        var listing = new StringBuilder();
        foreach (var file in files.Select(f => (Full: f, Relative: Path.GetRelativePath(root, f).Replace('\\', '/')))
                     .OrderBy(f => f.Relative, StringComparer.Ordinal))
        {
            listing.Append(file.Relative).Append('\0')
                .Append(new FileInfo(file.Full).Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\0')
                .Append(HashFile(file.Full)).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(listing.ToString())));
    }
}
