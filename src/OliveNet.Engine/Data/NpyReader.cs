using System.Text.RegularExpressions;
using OliveNet.Runtime;

namespace OliveNet.Engine.Data;

/// <summary>Reads NumPy <c>.npy</c> arrays (format 1.x–3.x, C order, little-endian) and <c>.npz</c> archives of them.</summary>
internal static partial class NpyReader
{
    public static SampleTensor Read(byte[] file, string path)
    {
        if (file.Length < 10 || file[0] != 0x93 || System.Text.Encoding.ASCII.GetString(file, 1, 5) != "NUMPY")
        {
            throw new DataException($"{path}: not a .npy file (magic missing)");
        }

        var (headerLength, start) = file[6] == 1 ? (BitConverter.ToUInt16(file, 8), 10) : ((int)BitConverter.ToUInt32(file, 8), 12);
        var header = System.Text.Encoding.Latin1.GetString(file, start, headerLength);
        var descr = Descr().Match(header);
        var shape = Shape().Match(header);
        if (!descr.Success || !shape.Success)
        {
            throw new DataException($"{path}: .npy header without descr or shape: {header.Trim()}");
        }

        if (header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new DataException($"{path}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
        }

        var type = descr.Groups[1].Value switch
        {
            "<f4" => TensorElementType.Float,
            "<f8" => TensorElementType.Double,
            "<f2" => TensorElementType.Float16,
            "<i8" => TensorElementType.Int64,
            "<i4" => TensorElementType.Int32,
            "|i1" => TensorElementType.Int8,
            "|u1" => TensorElementType.UInt8,
            "|b1" => TensorElementType.Bool,
            var d => throw new DataException($"{path}: dtype '{d}' is not supported (use little-endian float32/64/16, int64/32/8, uint8 or bool)"),
        };
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.Parse(d, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new SampleTensor(type, dims, file.AsSpan(start + headerLength).ToArray());
    }

    /// <summary>Every array of an <c>.npz</c> archive by name (without the <c>.npy</c> suffix).</summary>
    public static IReadOnlyDictionary<string, SampleTensor> ReadArchive(string path)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(path);
        var arrays = new Dictionary<string, SampleTensor>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries.Where(e => e.Name.EndsWith(".npy", StringComparison.Ordinal)))
        {
            using var stream = entry.Open();
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            arrays[entry.Name[..^4]] = Read(memory.ToArray(), $"{path}:{entry.FullName}");
        }

        return arrays;
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex Descr();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex Shape();
}
