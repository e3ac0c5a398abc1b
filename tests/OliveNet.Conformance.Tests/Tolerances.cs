using System.Globalization;

namespace OliveNet.Conformance.Tests;

/// <summary>Per-case absolute tolerances from <c>tolerances.txt</c>, each derived from float32 rounding bounds there.</summary>
public static class Tolerances
{
    private static readonly Lazy<IReadOnlyDictionary<string, double>> Entries = new(Load);

    /// <summary>The absolute tolerance for <paramref name="caseId"/>: its override, else the backend runner's 1e-7.</summary>
    public static double AbsoluteFor(string caseId) =>
        Entries.Value.TryGetValue(caseId, out var atol) ? atol : ConformanceRunner.AbsoluteTolerance;

    private static Dictionary<string, double> Load()
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "tolerances.txt")))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            var value = line[(colon + 2)..].Split(' ', 2)[0];
            result.Add(line[..colon], double.Parse(value, CultureInfo.InvariantCulture));
        }

        return result;
    }
}
