using OliveNet.Passes.Gguf;

namespace OliveNet.Cli.Output;

/// <summary>Formats a <see cref="GgufInspection"/> as an aligned plain-text report.</summary>
internal static class GgufInspectionText
{
    public static void Write(TextWriter w, GgufInspection r)
    {
        w.WriteLine($"model         {r.Path}");
        w.WriteLine($"file size     {Units.Bytes(r.FileSizeBytes)}");
        w.WriteLine($"format        GGUF v{r.Version}");
        w.WriteLine($"architecture  {(r.Architecture.Length > 0 ? r.Architecture : "(none)")}{(r.Name.Length > 0 ? $"   name: {r.Name}" : string.Empty)}");
        w.WriteLine($"parameters    {Units.Count(r.Parameters)} in {r.Tensors} tensor{(r.Tensors == 1 ? string.Empty : "s")}");
        foreach (var t in r.ByType)
        {
            w.WriteLine($"  {t.Type,-7} {t.Tensors,5} tensor{(t.Tensors == 1 ? " " : "s")} {Units.Count(t.Elements),14}  {Units.Bytes(t.Bytes),10}");
        }

        w.WriteLine();
        w.WriteLine($"metadata      {r.Metadata.Count} keys");
        var width = r.Metadata.Count == 0 ? 0 : r.Metadata.Max(m => m.Key.Length);
        foreach (var m in r.Metadata)
        {
            w.WriteLine($"  {m.Key.PadRight(width)}  {m.Value}");
        }
    }
}
