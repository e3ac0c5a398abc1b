using OliveNet.Engine.Inspection;

namespace OliveNet.Cli.Output;

/// <summary>Formats a <see cref="ModelInspection"/> as an aligned plain-text report.</summary>
internal static class InspectionText
{
    public static void Write(TextWriter w, ModelInspection r)
    {
        w.WriteLine($"model       {r.Path}");
        w.WriteLine($"file size   {Units.Bytes(r.FileSizeBytes)}");
        w.WriteLine($"ir version  {r.IrVersion}{(r.Producer.Length > 0 ? $"   producer: {r.Producer}" : string.Empty)}");
        w.WriteLine($"opsets      {string.Join(", ", r.Opsets.Select(o => $"{o.Domain} {o.Version}"))}");
        WriteValues(w, "inputs", r.Inputs);
        WriteValues(w, "outputs", r.Outputs);

        w.WriteLine();
        w.WriteLine($"nodes       {Units.Count(r.NodeCount)} in {r.GraphCount} graph{(r.GraphCount == 1 ? string.Empty : "s")} (subgraphs included)");
        var width = r.Ops.Count == 0 ? 0 : r.Ops.Max(o => o.Op.Length);
        foreach (var op in r.Ops)
        {
            w.WriteLine($"  {op.Op.PadRight(width)}  {op.Count,6}");
        }

        w.WriteLine();
        var p = r.Parameters;
        w.WriteLine($"parameters  {Units.Count(p.Count)} ({Units.Bytes(p.Bytes)}): {Units.Count(p.InitializerCount)} in initializers, {Units.Count(p.ConstantNodeCount)} in Constant nodes");
        foreach (var t in p.ByType)
        {
            w.WriteLine($"  {t.Type,-9} {Units.Count(t.Count),14}  {Units.Bytes(t.Bytes),10}  in {t.Tensors} tensor{(t.Tensors == 1 ? string.Empty : "s")}");
        }

        w.WriteLine();
        if (r.ExternalData.Count == 0)
        {
            w.WriteLine("external data  none");
            return;
        }

        w.WriteLine("external data");
        foreach (var f in r.ExternalData)
        {
            var state = f.Exists ? $"{Units.Bytes(f.FileLength)} on disk" : "MISSING";
            w.WriteLine($"  {f.Location}  {Units.Bytes(f.BytesReferenced)} referenced, {state}");
        }
    }

    private static void WriteValues(TextWriter w, string label, IReadOnlyList<ValueEntry> values)
    {
        var width = values.Count == 0 ? 0 : values.Max(v => v.Name.Length);
        for (var i = 0; i < values.Count; i++)
        {
            w.WriteLine($"{(i == 0 ? label : string.Empty),-11} {values[i].Name.PadRight(width)}  {values[i].Display}");
        }

        if (values.Count == 0)
        {
            w.WriteLine($"{label,-11} none");
        }
    }
}
