using System.Globalization;
using OliveNet.Onnx.Protos;

namespace OliveNet.Onnx;

/// <summary>The parsed <c>external_data</c> entries of one tensor, resolved against the model folder.</summary>
internal sealed record ExternalDataInfo(string Location, long Offset, long Length, string FullPath)
{
    /// <summary>Parses and resolves the external reference of <paramref name="t"/>; refuses paths that leave the model folder.</summary>
    public static ExternalDataInfo Resolve(TensorProto t, string? baseDirectory)
    {
        string? location = null;
        long offset = 0;
        long length = -1;
        foreach (var e in t.ExternalData)
        {
            switch (e.Key)
            {
                case "location": location = e.Value; break;
                case "offset": offset = ParseLong(t, e.Key, e.Value); break;
                case "length": length = ParseLong(t, e.Key, e.Value); break;
                default: break;
            }
        }

        if (string.IsNullOrEmpty(location))
        {
            throw new OnnxFormatException(
                $"Tensor '{t.Name}' is marked as external data but has no 'location' entry. Re-export the model with its data file.");
        }

        if (length < 0)
        {
            length = OnnxDataTypes.ByteCount((OnnxDataType)t.DataType, TensorData.ElementCount(t));
        }

        return new ExternalDataInfo(location, offset, length, ResolvePath(t.Name, location, baseDirectory));
    }

    /// <summary>Checks that the data file exists and holds offset + length bytes.</summary>
    public void Validate(string tensorName)
    {
        var info = new FileInfo(FullPath);
        if (!info.Exists)
        {
            throw new OnnxFormatException(
                $"External data file '{Location}' of tensor '{tensorName}' was not found at '{FullPath}'. " +
                "Copy the data file next to the model (external data locations are relative to the model's folder).")
            { Path = FullPath };
        }

        if (Offset > info.Length || Length > info.Length - Offset)
        {
            throw new OnnxFormatException(
                $"Tensor '{tensorName}' needs bytes {Offset}..{Offset + Length} of external data file '{FullPath}', " +
                $"but the file has only {info.Length} bytes. The data file is truncated or belongs to another model; copy it again.")
            { Path = FullPath };
        }
    }

    internal static string ResolvePath(string tensorName, string location, string? baseDirectory)
    {
        if (baseDirectory is null)
        {
            throw new OnnxFormatException(
                $"Tensor '{tensorName}' keeps its data in external file '{location}', but the model has no base directory. " +
                "Load the model from a file or pass the folder to OnnxModel.FromProto.");
        }

        var normalized = location.Replace('\\', '/');
        if (Path.IsPathRooted(location) || normalized.StartsWith('/') || (normalized.Length > 1 && normalized[1] == ':'))
        {
            throw Traversal(tensorName, location, "it is an absolute path, which can point outside the model folder");
        }

        var root = EnsureTrailingSeparator(Path.GetFullPath(baseDirectory));
        var full = Path.GetFullPath(Path.Combine(root, normalized));
        if (!full.StartsWith(root, StringComparison.Ordinal))
        {
            throw Traversal(tensorName, location, "it resolves outside the model folder");
        }

        var realRoot = EnsureTrailingSeparator(RealPath(root));
        var realFull = RealPath(full);
        if (!realFull.StartsWith(realRoot, StringComparison.Ordinal))
        {
            throw Traversal(tensorName, location, "a symbolic link leads outside the model folder");
        }

        return full;
    }

    private static OnnxFormatException Traversal(string tensorName, string location, string why) => new(
        $"External data location '{location}' of tensor '{tensorName}' is refused (path traversal: {why}). " +
        "External data must be a file inside the model's folder; move the data file there and fix the location.");

    private static string EnsureTrailingSeparator(string p) =>
        p.EndsWith(Path.DirectorySeparatorChar) ? p : p + Path.DirectorySeparatorChar;

    /// <summary>Resolves symbolic links in every existing component of an absolute path.</summary>
    private static string RealPath(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath) ?? "/";
        var parts = fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            for (var hops = 0; hops < 40; hops++)
            {
                FileSystemInfo fsi = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
                if (!fsi.Exists || fsi.LinkTarget is null)
                {
                    break;
                }

                next = Path.GetFullPath(fsi.LinkTarget, current);
            }

            current = next;
        }

        return current;
    }

    private static long ParseLong(TensorProto t, string key, string value)
    {
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
        {
            return v;
        }

        throw new OnnxFormatException(
            $"Tensor '{t.Name}' has external data {key} '{value}', which is not a non-negative integer. Fix or re-export the model.");
    }
}
