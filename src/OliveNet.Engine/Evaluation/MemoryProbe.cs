namespace OliveNet.Engine.Evaluation;

/// <summary>
/// Resident memory of this process from <c>/proc/self/status</c> (VmRSS). The memory metric is the largest growth over the
/// value before the session was created, sampled after creation and after every run: the session's weights, arenas and
/// the run's buffers, with managed-heap noise of a few MB.
/// </summary>
internal static class MemoryProbe
{
    public static long ResidentBytes()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return Environment.WorkingSet;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                return kb * 1024;
            }
        }

        return Environment.WorkingSet;
    }
}
