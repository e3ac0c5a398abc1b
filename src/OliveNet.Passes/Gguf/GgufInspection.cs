namespace OliveNet.Passes.Gguf;

/// <summary>What <c>olivenet inspect</c> shows for a GGUF file.</summary>
/// <param name="Path">The file.</param>
/// <param name="FileSizeBytes">Its size.</param>
/// <param name="Version">The GGUF version.</param>
/// <param name="Architecture"><c>general.architecture</c>, or empty.</param>
/// <param name="Name"><c>general.name</c>, or empty.</param>
/// <param name="Parameters">Elements over all tensors.</param>
/// <param name="Tensors">The number of tensors.</param>
/// <param name="ByType">Tensor count, elements and bytes per ggml type, most bytes first.</param>
/// <param name="Metadata">Every metadata key with a short rendering of its value (arrays as their length).</param>
public sealed record GgufInspection(
    string Path,
    long FileSizeBytes,
    uint Version,
    string Architecture,
    string Name,
    long Parameters,
    int Tensors,
    IReadOnlyList<GgufInspection.TypeCount> ByType,
    IReadOnlyList<GgufInspection.Entry> Metadata)
{
    /// <summary>Tensors of one ggml type.</summary>
    public sealed record TypeCount(string Type, int Tensors, long Elements, long Bytes);

    /// <summary>One metadata key and its value, shortened.</summary>
    public sealed record Entry(string Key, string Value);

    /// <summary>Reads and summarizes <paramref name="path"/>.</summary>
    /// <exception cref="GgufFormatException">The file is not GGUF, is truncated or corrupt.</exception>
    public static GgufInspection Of(string path)
    {
        var file = GgufFile.Read(path);
        var byType = file.Tensors.GroupBy(t => GgmlTypes.Name(t.TypeId))
            .Select(g => new TypeCount(g.Key, g.Count(), g.Sum(t => t.Elements), g.Sum(t => t.Bytes)))
            .OrderByDescending(t => t.Bytes).ThenBy(t => t.Type, StringComparer.Ordinal).ToList();
        return new GgufInspection(
            file.Path,
            file.FileSize,
            file.Version,
            file["general.architecture"] as string ?? string.Empty,
            file["general.name"] as string ?? string.Empty,
            file.Tensors.Sum(t => t.Elements),
            file.Tensors.Count,
            byType,
            file.Metadata.Select(m => new Entry(m.Key, Render(m.Value))).ToList());
    }

    private static string Render(object value) => value switch
    {
        List<object> list => $"[{list.Count} items]",
        string s when s.Length > 60 => $"\"{s[..57].ReplaceLineEndings(" ")}...\" ({s.Length} chars)",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        float f => f.ToString("G7", System.Globalization.CultureInfo.InvariantCulture),
        double d => d.ToString("G15", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
