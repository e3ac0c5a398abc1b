using OliveNet.Engine.Recipes;

namespace OliveNet.Cli.Output;

/// <summary>Prints a validated recipe as the plan the engine will run.</summary>
internal static class PlanText
{
    public static void Write(TextWriter w, Recipe r)
    {
        w.WriteLine($"recipe      {r.SourcePath}");
        w.WriteLine($"workflow    {r.WorkflowId}");
        w.WriteLine($"input       {r.InputModel.Type} {r.InputModel.Reference}");
        w.WriteLine($"target      {r.Target.Device} / {r.Target.ExecutionProvider}");
        w.WriteLine($"cache       {Path.Combine(r.CacheDir, r.WorkflowId)}");
        w.WriteLine($"output      {r.OutputDir}");
        w.WriteLine("passes");
        var i = 1;
        foreach (var step in r.Passes)
        {
            var choice = step.Alternatives[0];
            w.WriteLine($"  {i++}. {step.Name}: {choice.Pass.Metadata.Id} {choice.CanonicalOptions}");
        }

        foreach (var note in r.Notes)
        {
            w.WriteLine($"note        {note}");
        }
    }
}
