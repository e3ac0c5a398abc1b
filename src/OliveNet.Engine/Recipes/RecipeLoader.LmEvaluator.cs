using System.Text.Json.Nodes;
using OliveNet.Engine.Data;
using OliveNet.Engine.Evaluation;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

public sealed partial class RecipeLoader
{
    private static readonly string[] LmEvaluatorKeys =
    [
        "type", "tasks", "num_fewshot", "limit", "max_length", "batch_size", "apply_chat_template", "fewshot_as_multiturn",
        "model_class", "model_args", "provider_options", "bootstrap_iters", "sample_log_num", "device", "ep", "ep_options",
    ];

    /// <summary>
    /// Olive's LMEvaluator (lm-evaluation-harness tasks): each task becomes a metric of type <c>lm_task</c> with sub-type
    /// <c>acc</c>, ranked in the order listed. OliveNet runs the MMLU tasks itself (<see cref="MmluTask"/>), on the data
    /// in the local Hugging Face cache; other tasks and lm-eval's chat-template mode are refused in one line each.
    /// </summary>
    private static EvaluatorSpec? ReadLmEvaluator(RecipeReader reader, YamlMappingNode map, string path, string name)
    {
        var tasks = new List<(string Task, YamlNode Node)>();
        var config = new JsonObject();
        var ok = true;
        foreach (var (key, value) in reader.Entries(map, path, LmEvaluatorKeys))
        {
            var where = RecipeReader.Join(path, key);
            switch (key)
            {
                case "tasks" when value is YamlSequenceNode list:
                    for (var i = 0; i < list.Children.Count; i++)
                    {
                        var item = list.Children[i];
                        if (item is YamlScalarNode && reader.String(item, $"{where}[{i}]") is { } task)
                        {
                            tasks.Add((task, item));
                        }
                        else
                        {
                            reader.Error(item, $"{where}[{i}]", "an inline lm-eval task definition (doc_to_text templates, metrics such as bleu) needs lm-evaluation-harness (Python); OliveNet's LMEvaluator runs the tasks "
                                + $"{string.Join(", ", MmluTask.TaskNames.Take(3))}, … ({MmluTask.TaskNames.Count} MMLU tasks) by name");
                            ok = false;
                        }
                    }

                    break;
                case "tasks":
                    reader.Error(value, where, "expected a list of task names, e.g. [mmlu]");
                    ok = false;
                    break;
                case "limit" when value is YamlScalarNode { Value: { } text } && text.Contains('.', StringComparison.Ordinal):
                    // lm-eval's limit below 1 is a fraction of each task's questions.
                    if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var fraction) && fraction is > 0 and <= 1)
                    {
                        config[key] = fraction;
                    }
                    else
                    {
                        reader.Error(value, where, "must be a whole number of questions per subject, or a fraction in (0, 1]");
                        ok = false;
                    }

                    break;
                case "num_fewshot" or "limit" or "max_length" or "batch_size":
                    if (!RecipeReader.IsNull(value) && reader.Integer(value, where) is { } number)
                    {
                        if (number < (key == "num_fewshot" ? 0 : 1))
                        {
                            reader.Error(value, where, key == "num_fewshot" ? "must be 0 or more" : "must be 1 or more");
                            ok = false;
                        }
                        else if (key != "batch_size")
                        {
                            config[key] = number;
                        }
                    }

                    break;
                case "apply_chat_template":
                    if (reader.Bool(value, where) == true)
                    {
                        reader.Error(value, where, "lm-eval's chat-template mode (questions as chat turns) is not supported by OliveNet's LMEvaluator; remove it to score the plain prompt, as lm-eval does by default");
                        ok = false;
                    }

                    break;
                default:
                    // model_class, model_args, provider_options, fewshot_as_multiturn, bootstrap_iters, sample_log_num, device
                    // and EP settings steer lm-eval's ONNX Runtime backend or its reporting; the scores do not depend on them.
                    break;
            }
        }

        if (tasks.Count == 0 && ok)
        {
            reader.Error(map, $"{path}.tasks", "is required: a list of lm-eval task names, e.g. [mmlu]");
            return null;
        }

        var metrics = new List<MetricSpec>();
        foreach (var ((task, node), i) in tasks.Select((t, i) => (t, i)))
        {
            if (!MmluTask.TaskNames.Contains(task))
            {
                reader.Error(node, $"{path}.tasks[{i}]", $"'{task}' is not an lm-eval task OliveNet runs{DidYouMean.Hint(task, MmluTask.TaskNames)}; it runs mmlu and its per-subject tasks (mmlu_<subject>)");
                ok = false;
                continue;
            }

            if (MmluTask.Missing((int)(config["num_fewshot"]?.GetValue<long>() ?? 0)) is { } missing)
            {
                reader.Error(node, $"{path}.tasks[{i}]", $"{task} scores on {missing}");
                ok = false;
                continue;
            }

            var user = (JsonObject)config.DeepClone();
            user["task"] = task;
            user["data_sha256"] = MmluTask.DataHash();
            var canonical = new JsonObject
            {
                ["name"] = task,
                ["type"] = MmluTask.MetricType,
                ["user_config"] = user.DeepClone(),
                ["sub_types"] = new JsonArray(new JsonObject { ["name"] = "acc", ["params"] = new JsonObject() }),
            };
            metrics.Add(new MetricSpec(task, MmluTask.MetricType, [new SubMetricSpec("acc", i + 1, true, null, [])], null, user, Passes.PassOptions.Canonical(canonical)));
        }

        if (!ok)
        {
            return null;
        }

        return new EvaluatorSpec(name, metrics, Passes.PassOptions.Canonical(new JsonArray(metrics.Select(m => JsonNode.Parse(m.CanonicalJson)).ToArray())));
    }
}
