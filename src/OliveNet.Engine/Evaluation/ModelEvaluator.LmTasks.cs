using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Data;

namespace OliveNet.Engine.Evaluation;

public sealed partial class ModelEvaluator
{
    /// <summary>An LMEvaluator task (<see cref="MmluTask"/>) on a GenAI-layout decoder: <c>acc</c> and the number of questions.</summary>
    private static Dictionary<string, double> LmTask(MetricSpec metric, ModelArtifact model, TextWriter progress, CancellationToken cancellation)
    {
        var task = metric.UserConfig["task"]?.GetValue<string>() ?? throw new DataException($"metric {metric.Name}: user_config.task is required (an LMEvaluator task name such as mmlu)");
        var fewshot = (int)(JsonNumbers.Get(metric.UserConfig["num_fewshot"]) ?? 0);
        var limit = JsonNumbers.Get(metric.UserConfig["limit"]);
        var items = MmluTask.Items(task, fewshot, limit);
        using var lm = OpenLanguageModel(metric, model);
        var tokenizer = lm.Tokenizer ?? throw new DataException($"metric {metric.Name}: {model.Folder} has no tokenizer.json to write the questions with");
        var maxLength = Math.Min((int)(JsonNumbers.Get(metric.UserConfig["max_length"]) ?? 2048), lm.Config.ContextLength);
        var correct = 0;
        for (var i = 0; i < items.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var scores = MmluTask.LogLikelihoods(lm, tokenizer, items[i].Context, items[i].Continuations, maxLength);
            correct += Array.IndexOf(scores, scores.Max()) == items[i].Answer ? 1 : 0;
            if ((i + 1) % 100 == 0 || i + 1 == items.Count)
            {
                progress.WriteLine($"  {metric.Name}: {i + 1}/{items.Count} questions, acc {(double)correct / (i + 1):0.0000}");
            }
        }

        return new(StringComparer.Ordinal) { ["acc"] = (double)correct / items.Count, ["questions"] = items.Count };
    }
}
