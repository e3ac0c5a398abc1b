namespace OliveNet.Conformance.Tests;

/// <summary>
/// The cases ONNX Runtime itself cannot run, from <c>skips.txt</c>: one <c>suite/case: reason</c> per line,
/// the reason quoting ORT's error. A test checks that every listed case still fails, so the list cannot rot.
/// </summary>
public static class SkipList
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Entries = new(Load);

    /// <summary>Case id → reason.</summary>
    public static IReadOnlyDictionary<string, string> All => Entries.Value;

    private static IReadOnlyDictionary<string, string> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "skips.txt");
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new FormatException($"skips.txt: '{line}' is not 'suite/case: reason'");
            }

            result.Add(line[..colon], line[(colon + 2)..]);
        }

        return result;
    }
}
