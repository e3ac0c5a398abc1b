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
        if (r.SharedCache is { } shared)
        {
            w.WriteLine($"shared      {shared}/{r.WorkflowId}/");
        }

        w.WriteLine($"output      {r.OutputDir}");
        w.WriteLine("passes");
        var i = 1;
        foreach (var step in r.Passes)
        {
            var number = i++;
            foreach (var (choice, k) in step.Alternatives.Select((c, k) => (c, k)))
            {
                var alternative = step.Alternatives.Count > 1 ? $" [alternative {k + 1}/{step.Alternatives.Count}]" : string.Empty;
                w.WriteLine($"  {number}. {step.Name}{alternative}: {choice.Pass.Metadata.Id} {choice.CanonicalOptions}");
            }
        }

        if (r.Search is { } search)
        {
            var size = r.Passes.Aggregate(1L, (a, s) => a * s.Alternatives.Count);
            w.WriteLine($"search      {search.ExecutionOrder}, {search.Sampler} sampler, {size} points (max_space_size {search.MaxSpaceSize})");
        }

        if (r.Evaluator is { } evaluator)
        {
            foreach (var (key, _, sub) in evaluator.SubMetrics)
            {
                var goal = sub.Goal is { } g ? $", goal {g.Type} {g.Value}" : string.Empty;
                w.WriteLine($"metric      {key} ({(sub.HigherIsBetter ? "higher" : "lower")} is better{(sub.Ranked ? $", priority {sub.Priority}" : ", reported")}{goal})");
            }

            w.WriteLine($"gate        {(r.Search is not null ? "search publishes only a goal-meeting candidate" : r.Gate ? "on: a missed goal publishes nothing, exit 3" : "off")}");
        }

        foreach (var note in r.Notes)
        {
            w.WriteLine($"note        {note}");
        }
    }
}
