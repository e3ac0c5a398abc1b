using System.Text.Json.Nodes;
using OliveNet.Engine.Data;
using OliveNet.Engine.Evaluation;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

public sealed partial class RecipeLoader
{
    internal static readonly string[] DataConfigKeys =
        ["name", "type", "load_dataset_config", "pre_process_data_config", "post_process_data_config", "dataloader_config", "params_config", "user_script", "script_dir"];

    internal static readonly string[] MetricKeys = ["name", "type", "sub_types", "data_config", "user_config", "backend"];

    internal static readonly string[] SubMetricKeys = ["name", "priority", "higher_is_better", "goal", "metric_config", "k", "average"];

    /// <summary>Parameters holding paths, resolved against the recipe's folder (npm: references are kept).</summary>
    private static readonly string[] PathParams = ["data_dir", "labels_file", "images_file", "dictionary", "data_file", "data_files", "tokenizer"];

    private static Dictionary<string, DataConfigSpec> ReadDataConfigs(RecipeReader reader, YamlNode node, string folder)
    {
        var configs = new Dictionary<string, DataConfigSpec>(StringComparer.Ordinal);
        var items = node is YamlSequenceNode seq ? seq.Children.ToList() : [];
        if (node is not YamlSequenceNode)
        {
            reader.Error(node, "data_configs", $"expected a list of data configs, got {RecipeReader.Kind(node)}");
        }

        for (var i = 0; i < items.Count; i++)
        {
            var path = $"data_configs[{i}]";
            if (reader.Mapping(items[i], path) is not { } map)
            {
                continue;
            }

            var name = RecipeReader.Child(map, "name") is { } n ? reader.String(n, $"{path}.name") : null;
            if (name is null || !DataName().IsMatch(name))
            {
                reader.Error(map, $"{path}.name", "is required: letters, digits and '_' (metrics and passes refer to it)");
                continue;
            }

            path = $"data_configs.{name}";
            DataComponent? load = null, pre = null, post = null, loader = null;
            foreach (var (key, value) in reader.Entries(map, path, DataConfigKeys))
            {
                switch (key)
                {
                    case "load_dataset_config":
                        load = Component(reader, value, $"{path}.{key}", folder, DataPipeline.LoadTypes);
                        break;
                    case "pre_process_data_config":
                        pre = Component(reader, value, $"{path}.{key}", folder, [.. DataPipeline.PreProcessTypes, TextDataset.TokenizeType]);
                        break;
                    case "post_process_data_config":
                        post = Component(reader, value, $"{path}.{key}", folder, OutputDecoder.Types);
                        break;
                    case "dataloader_config":
                        loader = Component(reader, value, $"{path}.{key}", folder, DataPipeline.DataLoaderTypes);
                        break;
                }
            }

            if (load is null)
            {
                reader.Error(map, $"{path}.load_dataset_config", $"is required: where samples come from, e.g. {{type: image_folder, params: {{data_dir: images}}}}; built in: {string.Join(", ", DataPipeline.LoadTypes)}");
                continue;
            }

            var canonical = new JsonObject
            {
                ["name"] = name,
                ["load"] = Canonical(load),
                ["pre_process"] = pre is null ? null : Canonical(pre),
                ["post_process"] = post is null ? null : Canonical(post),
                ["dataloader"] = loader is null ? null : Canonical(loader),
            };
            if (!configs.TryAdd(name, new DataConfigSpec(name, load, pre, loader, post, Passes.PassOptions.Canonical(canonical))))
            {
                reader.Error(map, path, "is given twice; data config names must be unique");
            }
        }

        return configs;
    }

    private static JsonNode? Resolve(JsonNode? node, string folder) =>
        node is JsonValue v && v.TryGetValue<string>(out var text) && !text.StartsWith(Assets.ModelLocator.NpmScheme, StringComparison.Ordinal)
            ? System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, text))
            : node?.DeepClone();

    private static JsonObject Canonical(DataComponent c) => new() { ["type"] = c.Type, ["params"] = c.Params.DeepClone() };

    /// <summary>A <c>{type, params}</c> component; parameters may also sit beside type (Olive flattens them).</summary>
    private static DataComponent? Component(RecipeReader reader, YamlNode node, string path, string folder, IReadOnlyList<string> types)
    {
        if (reader.Mapping(node, path) is not { } map)
        {
            return null;
        }

        var type = RecipeReader.Child(map, "type") is { } t ? reader.String(t, $"{path}.type") : null;
        if (type is null || !types.Contains(type))
        {
            reader.Error(RecipeReader.Child(map, "type") ?? map, $"{path}.type", $"{(type is null ? "is required" : $"'{type}' is not built in{DidYouMean.Hint(type, types)}")}; built in: {string.Join(", ", types)}");
            return null;
        }

        var parameters = new JsonObject();
        foreach (var (key, value) in reader.Entries(map, path))
        {
            if (key == "params" && reader.Mapping(value, $"{path}.params") is { } inner)
            {
                foreach (var (k, v) in reader.Entries(inner, $"{path}.params"))
                {
                    parameters[k] = reader.ToJson(v, $"{path}.params.{k}");
                }
            }
            else if (key != "type")
            {
                parameters[key] = reader.ToJson(value, $"{path}.{key}");
            }
        }

        foreach (var key in PathParams)
        {
            parameters[key] = parameters[key] switch
            {
                JsonArray list => new JsonArray([.. list.Select(item => Resolve(item, folder))]),
                var single => Resolve(single, folder),
            };
        }

        return new DataComponent(type, parameters);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial System.Text.RegularExpressions.Regex DataName();
}
