using OliveNet.Engine.Workflows;

namespace OliveNet.Cli.Output;

/// <summary>Prints what a run did.</summary>
internal static class RunText
{
    public static void Write(TextWriter w, RunSummary s)
    {
        foreach (var pass in s.Passes)
        {
            w.WriteLine($"{pass.Name,-20} {pass.Type,-28} {(pass.CacheHit ? "cached" : $"{pass.DurationMs / 1000:0.00} s"),8}  {pass.ArtifactId[..12]}");
        }

        foreach (var warning in s.Warnings)
        {
            w.WriteLine($"WARNING     {warning}");
        }

        if (s.Report is { } report)
        {
            ReportText.Write(w, report);
        }

        w.WriteLine(s.Published ? $"published   {s.OutputDir}" : $"NOT published (goals not met); reports in {s.OutputDir}");
        w.WriteLine($"model id    {s.OutputArtifactId}");
        w.WriteLine($"took        {s.DurationMs / 1000:0.00} s");
    }
}
