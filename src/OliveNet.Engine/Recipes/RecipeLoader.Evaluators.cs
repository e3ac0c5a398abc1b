using System.Globalization;
using System.Text.Json.Nodes;
using OliveNet.Engine.Data;
using OliveNet.Engine.Evaluation;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

public sealed partial class RecipeLoader
{
    /// <summary>Resolves <c>evaluator</c> (a name in <c>evaluators</c>, or inline) into the run's evaluator.</summary>
    private static EvaluatorSpec? ReadEvaluator(
        RecipeReader reader, YamlNode? evaluatorNode, YamlNode? evaluatorsNode, DataScope data, List<string> notes)
    {
        if (evaluatorNode is null || RecipeReader.IsNull(evaluatorNode))
        {
            if (evaluatorsNode is YamlMappingNode { Children.Count: > 0 })
            {
                notes.Add("evaluators are defined but no evaluator is selected (set evaluator: <name>), so nothing is evaluated");
            }

            return null;
        }

        if (evaluatorNode is YamlScalarNode)
        {
            var name = reader.String(evaluatorNode, "evaluator");
            var entry = name is not null && evaluatorsNode is YamlMappingNode all ? RecipeReader.Child(all, name) : null;
            if (entry is null)
            {
                var names = (evaluatorsNode as YamlMappingNode)?.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? string.Empty).ToList() ?? [];
                reader.Error(evaluatorNode, "evaluator", $"'{name}' is not an entry of evaluators{DidYouMean.Hint(name ?? string.Empty, names)}");
                return null;
            }

            return ReadEvaluatorBody(reader, entry, $"evaluators.{name}", name!, data, notes);
        }

        return ReadEvaluatorBody(reader, evaluatorNode, "evaluator", "inline", data, notes);
    }

    private static EvaluatorSpec? ReadEvaluatorBody(RecipeReader reader, YamlNode node, string path, string name, DataScope data, List<string> notes)
    {
        if (reader.Mapping(node, path) is not { } map)
        {
            return null;
        }

        var metricsNode = RecipeReader.Child(map, "metrics");
        if (RecipeReader.Child(map, "type") is { } typeNode && reader.String(typeNode, $"{path}.type") is { } t && t is not ("OliveEvaluator" or "OnnxEvaluator"))
        {
            if (t == "LMEvaluator")
            {
                return ReadLmEvaluator(reader, map, path, name);
            }

            // Another evaluator (MTEBEvaluator: embedding benchmarks) has its own keys; one error says it all.
            reader.Error(typeNode, $"{path}.type", $"'{t}' is not supported; OliveNet evaluates ONNX models with its own evaluator (omit type) or with LMEvaluator's mmlu tasks");
            return null;
        }

        _ = reader.Entries(map, path, ["metrics", "type", "config"]).Count();

        if (metricsNode is null || RecipeReader.IsNull(metricsNode) || metricsNode is YamlSequenceNode { Children.Count: 0 })
        {
            // Olive's OliveEvaluatorConfig defaults metrics to [] (olive-recipes' aitk workflows write evaluators: {common_evaluator: {}}).
            notes.Add($"{path} has no metrics (Olive allows that and measures nothing), so nothing is evaluated");
            return null;
        }

        if (metricsNode is not YamlSequenceNode list)
        {
            reader.Error(metricsNode ?? map, $"{path}.metrics", "is required: a list of metrics, e.g. [{name: accuracy, type: accuracy, sub_types: [{name: accuracy_score}]}]");
            return null;
        }

        var metrics = new List<MetricSpec>();
        for (var i = 0; i < list.Children.Count; i++)
        {
            if (ReadMetric(reader, list.Children[i], $"{path}.metrics[{i}]", data, notes) is { } metric)
            {
                metrics.Add(metric);
            }
        }

        if (metrics.Count != list.Children.Count)
        {
            return null;
        }

        metrics = AssignPriorities(reader, map, path, metrics, notes);
        var canonical = Passes.PassOptions.Canonical(new JsonArray(metrics.Select(m => JsonNode.Parse(m.CanonicalJson)).ToArray()));
        return new EvaluatorSpec(name, metrics, canonical);
    }

    private static MetricSpec? ReadMetric(RecipeReader reader, YamlNode node, string path, DataScope data, List<string> notes)
    {
        if (reader.Mapping(node, path) is not { } map)
        {
            return null;
        }

        RefuseScripts(reader, map, path);
        string? name = null, type = null, dataConfig = null, backend = null;
        var userConfig = new JsonObject();
        var extra = new List<(string Key, YamlNode Value)>();
        YamlNode? subNode = null;
        foreach (var (key, value) in reader.Entries(map, path))
        {
            switch (key)
            {
                case "name": name = reader.String(value, $"{path}.name"); break;
                case "type": type = reader.String(value, $"{path}.type"); break;
                case "data_config": dataConfig = reader.String(value, $"{path}.data_config"); break;
                case "user_config": userConfig = reader.ToJson(value, $"{path}.user_config") as JsonObject ?? []; break;
                case "sub_types": subNode = value; break;
                case "backend": backend = reader.String(value, $"{path}.backend"); break;
                default:
                    // Olive moves a metric's other keys into user_config (Metric is a NestedConfig); a near miss of a
                    // metric key is more likely a typo, so it stays an error.
                    if (DidYouMean.Hint(key, MetricKeys).Length > 0)
                    {
                        reader.Error(map.Children.Keys.First(k => (k as YamlScalarNode)?.Value == key), RecipeReader.Join(path, key), $"unknown key{DidYouMean.Hint(key, MetricKeys)}");
                    }
                    else
                    {
                        extra.Add((key, value));
                    }

                    break;
            }
        }

        foreach (var (key, value) in extra)
        {
            if (userConfig.ContainsKey(key))
            {
                reader.Error(value, RecipeReader.Join(path, key), "is also given in user_config; keep one");
            }
            else
            {
                userConfig[key] = reader.ToJson(value, RecipeReader.Join(path, key));
            }
        }

        if (name is null || type is null)
        {
            reader.Error(map, path, "needs name and type");
            return null;
        }

        path = $"{path[..path.LastIndexOf('[')]}.{name}";
        if (!MetricTypes.SubTypes.TryGetValue(type, out var allowed))
        {
            reader.Error(RecipeReader.Child(map, "type"), $"{path}.type", $"'{type}' is not a metric type{DidYouMean.Hint(type, MetricTypes.SubTypes.Keys)}; use one of {string.Join(", ", MetricTypes.SubTypes.Keys)} (custom needs Python)");
            return null;
        }

        if (type == "latency" && dataConfig is null)
        {
            // Olive measures latency without a data config on dummy inputs built from the model's inputs.
            dataConfig = data.ModelInputs();
            notes.Add($"{path}: no data_config, so latency is measured on seeded random inputs at the model's input shapes (dynamic dimensions 1), as Olive does");
        }

        if (MetricTypes.NeedsData(type) && (dataConfig is null || !data.Known(dataConfig)))
        {
            reader.Error(RecipeReader.Child(map, "data_config") ?? map, $"{path}.data_config",
                dataConfig is null ? $"is required for {type}: the name of an entry of data_configs" : $"'{dataConfig}' is not a data config{DidYouMean.Hint(dataConfig, data.Data.Keys)}");
        }

        var subs = new List<SubMetricSpec>();
        var subItems = subNode is YamlSequenceNode s ? s.Children.ToList() : type == "size_on_disk" ? [] : null;
        if (subItems is null)
        {
            reader.Error(subNode ?? map, $"{path}.sub_types", $"is required: a list such as [{{name: {allowed[0]}}}]; {type} has {string.Join(", ", allowed)}");
            return null;
        }

        if (subItems.Count == 0)
        {
            subs.Add(new SubMetricSpec(allowed[0], -1, MetricTypes.DefaultHigherIsBetter(type, allowed[0]), null, []));
        }

        foreach (var (item, j) in subItems.Select((x, j) => (x, j)))
        {
            if (ReadSubMetric(reader, item, $"{path}.sub_types[{j}]", type, allowed, backend) is { } sub)
            {
                subs.Add(sub);
            }
        }

        if (subs.Count < subItems.Count)
        {
            // A refused sub-type is reported already; ranking the rest would report its priority as a second problem.
            return null;
        }

        var canonical = new JsonObject
        {
            ["name"] = name,
            ["type"] = type,
            ["data_config"] = dataConfig,
            ["user_config"] = userConfig.DeepClone(),
            ["sub_types"] = new JsonArray(subs.Select(x => (JsonNode)new JsonObject { ["name"] = x.Name, ["params"] = x.Parameters.DeepClone() }).ToArray()),
        };
        return new MetricSpec(name, type, subs, MetricTypes.NeedsData(type) ? dataConfig : null, userConfig, Passes.PassOptions.Canonical(canonical));
    }

    private static SubMetricSpec? ReadSubMetric(RecipeReader reader, YamlNode node, string path, string type, IReadOnlyList<string> allowed, string? backend)
    {
        if (reader.Mapping(node, path) is not { } map)
        {
            return null;
        }

        var name = RecipeReader.Child(map, "name") is { } n ? reader.String(n, $"{path}.name") : null;
        if (name is null || !allowed.Contains(name))
        {
            // Under Olive's huggingface_metrics backend, sub-type names are Hugging Face evaluate metrics, which need Python.
            var hf = backend == "huggingface_metrics" && name is not null
                ? $" (with backend: huggingface_metrics it names a Hugging Face evaluate metric, which OliveNet does not run; use OliveNet's sub-types)"
                : string.Empty;
            reader.Error(RecipeReader.Child(map, "name") ?? map, $"{path}.name", $"{(name is null ? "is required" : $"'{name}' is not a {type} sub-type{DidYouMean.Hint(name, allowed)}{hf}")}; {type} has {string.Join(", ", allowed)}");
            return null;
        }

        var priority = -1;
        bool? higher = null;
        GoalSpec? goal = null;
        var parameters = new JsonObject();
        foreach (var (key, value) in reader.Entries(map, path, SubMetricKeys))
        {
            switch (key)
            {
                case "priority": priority = (int)(reader.Integer(value, $"{path}.priority") ?? -1); break;
                case "higher_is_better": higher = reader.Bool(value, $"{path}.higher_is_better"); break;
                case "goal": goal = ReadGoal(reader, value, $"{path}.goal"); break;
                case "k" or "average": parameters[key] = reader.ToJson(value, $"{path}.{key}"); break;
                case "metric_config" when reader.ToJson(value, $"{path}.metric_config") is JsonObject config:
                    foreach (var (k, v) in config)
                    {
                        parameters[k] = v?.DeepClone();
                    }

                    break;
            }
        }

        var direction = MetricTypes.DirectionFixed(type) || higher is null ? MetricTypes.DefaultHigherIsBetter(type, name) : higher.Value;
        if (goal is not null && Goals.Validate(goal, direction) is { } problem)
        {
            reader.Error(RecipeReader.Child(map, "goal"), $"{path}.goal", problem);
        }

        return new SubMetricSpec(name, priority, direction, goal, parameters);
    }

    private static GoalSpec? ReadGoal(RecipeReader reader, YamlNode node, string path)
    {
        if (reader.Mapping(node, path) is not { } map)
        {
            return null;
        }

        string? type = null;
        double? value = null;
        foreach (var (key, v) in reader.Entries(map, path, ["type", "value"]))
        {
            if (key == "type")
            {
                type = reader.String(v, $"{path}.type");
            }
            else if (v is YamlScalarNode scalar && double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                value = number;
            }
            else
            {
                reader.Error(v, $"{path}.value", $"expected a number, got {RecipeReader.Kind(v)}");
            }
        }

        if (type is null || value is null)
        {
            reader.Error(map, path, $"needs type ({string.Join(", ", GoalSpec.Types)}) and value");
            return null;
        }

        return new GoalSpec(type, value.Value);
    }

    /// <summary>
    /// Olive's rule: the only sub-type of an evaluator is ranked first; otherwise the ranked ones must have unique
    /// priorities 1..N. A goal on a report-only sub-type is ignored, with a note.
    /// </summary>
    private static List<MetricSpec> AssignPriorities(RecipeReader reader, YamlNode node, string path, List<MetricSpec> metrics, List<string> notes)
    {
        var all = metrics.SelectMany(m => m.SubTypes).ToList();
        if (all.Count == 1 && all[0].Priority <= 0)
        {
            return [metrics[0] with { SubTypes = [all[0] with { Priority = 1 }] }];
        }

        var ranked = all.Where(s => s.Ranked).Select(s => s.Priority).Order().ToList();
        if (!ranked.SequenceEqual(Enumerable.Range(1, ranked.Count)))
        {
            reader.Error(node, $"{path}.metrics", $"ranked sub-types need unique priorities 1..N; got {string.Join(", ", ranked)}");
        }

        foreach (var m in metrics)
        {
            foreach (var s in m.SubTypes.Where(s => s.Goal is not null && !s.Ranked))
            {
                notes.Add($"{path}: the goal on {m.Name}-{s.Name} is ignored because it has no priority (Olive applies goals to ranked sub-types only)");
            }
        }

        return metrics;
    }
}
