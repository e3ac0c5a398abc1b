using System.Text.Json.Nodes;
using OliveNet.Engine.Data;
using OliveNet.Engine.Data.Speech;
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

    /// <summary>
    /// Olive's component types per data container, used where a component (or its type) is left out:
    /// load, pre-process, post-process, dataloader (null: Olive's identity step, which OliveNet leaves out).
    /// </summary>
    private static readonly Dictionary<string, string?[]> ContainerDefaults = new(StringComparer.OrdinalIgnoreCase)
    {
        ["DataContainer"] = ["default_load_dataset", null, null, "default_dataloader"],
        ["DummyDataContainer"] = ["dummy_dataset", null, null, "no_auto_batch_dataloader"],
        ["HuggingfaceContainer"] = ["huggingface_dataset", "huggingface_pre_process", null, "default_dataloader"],
        ["TransformersDummyDataContainer"] = ["transformers_dummy_dataset", null, null, "default_dataloader"],
        ["TransformersPromptDummyDataContainer"] = ["transformers_prompt_dummy_dataset", null, null, "default_dataloader"],
        ["TransformersTokenDummyDataContainer"] = ["transformers_token_dummy_dataset", null, null, "dataloader_with_ignored_batch_fields"],
        ["ImageDataContainer"] = ["image_folder_dataset", "image_lora_preprocess", null, "default_dataloader"],
        ["RawDataContainer"] = ["raw_dataset", null, null, "no_auto_batch_dataloader"],
    };

    /// <param name="refused">Receives the names of data configs that were given but refused, so that references to them
    /// are not reported a second time.</param>
    private static Dictionary<string, DataConfigSpec> ReadDataConfigs(RecipeReader reader, YamlNode node, string folder, HashSet<string> refused)
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
            var errors = reader.Errors.Count;
            var container = RecipeReader.Child(map, "type") is { } t ? reader.String(t, $"{path}.type") : null;
            var defaults = container is not null && ContainerDefaults.TryGetValue(container, out var d) ? d : null;
            DataComponent? load = null, pre = null, post = null, loader = null;
            var given = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, value) in reader.Entries(map, path, DataConfigKeys))
            {
                given.Add(key);
                switch (key)
                {
                    case "load_dataset_config":
                        load = Component(reader, value, $"{path}.{key}", folder, DataPipeline.LoadTypes, (defaults ?? ContainerDefaults["DataContainer"])[0]);
                        break;
                    case "pre_process_data_config":
                        pre = Component(reader, value, $"{path}.{key}", folder, [.. DataPipeline.PreProcessTypes, TextDataset.TokenizeType, SpeechDataset.PreProcessType], (defaults ?? ContainerDefaults["DataContainer"])[1]);
                        break;
                    case "post_process_data_config":
                        post = Component(reader, value, $"{path}.{key}", folder, OutputDecoder.Types, (defaults ?? ContainerDefaults["DataContainer"])[2]);
                        break;
                    case "dataloader_config":
                        loader = Component(reader, value, $"{path}.{key}", folder, DataPipeline.DataLoaderTypes, (defaults ?? ContainerDefaults["DataContainer"])[3]);
                        break;
                }
            }

            // A container with defaults fills the components left out, as Olive does (unless the config is refused
            // already: a container whose data OliveNet cannot load is one problem, not one per component).
            if (defaults is not null && reader.Errors.Count == errors)
            {
                string[] slots = ["load_dataset_config", "pre_process_data_config", "post_process_data_config", "dataloader_config"];
                IReadOnlyList<string>[] types = [DataPipeline.LoadTypes, [.. DataPipeline.PreProcessTypes, TextDataset.TokenizeType, SpeechDataset.PreProcessType], OutputDecoder.Types, DataPipeline.DataLoaderTypes];
                for (var k = 0; k < slots.Length; k++)
                {
                    if (!given.Contains(slots[k]) && defaults[k] is { } type)
                    {
                        var filled = DefaultComponent(reader, map, $"{path}.{slots[k]}", type, types[k], container!);
                        switch (k)
                        {
                            case 0: load = filled; break;
                            case 1: pre = filled; break;
                            case 2: post = filled; break;
                            case 3: loader = filled; break;
                        }
                    }
                }
            }

            if (reader.Errors.Count > errors)
            {
                refused.Add(name);
                continue;
            }

            if (load is null)
            {
                reader.Error(map, $"{path}.load_dataset_config", $"is required: where samples come from, e.g. {{type: image_folder, params: {{data_dir: images}}}}; built in: {string.Join(", ", DataPipeline.LoadTypes)}");
                refused.Add(name);
                continue;
            }

            if (loader is { Type: "no_auto_batch_dataloader" })
            {
                // Olive's dataloader for samples that already carry their batch dimension: what default_dataloader does
                // with batch_size 1 (samples are concatenated along their own first dimension).
                var parameters = (JsonObject)loader.Params.DeepClone();
                parameters.Remove("batch_size");
                loader = new DataComponent("default_dataloader", parameters);
            }

            foreach (var problem in Loaders.Check(load))
            {
                reader.Error(RecipeReader.Child(map, "load_dataset_config") ?? map, $"{path}.load_dataset_config", problem);
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

    /// <summary>A component the container supplies by default; null (no error) when it is Olive's identity step.</summary>
    private static DataComponent? DefaultComponent(RecipeReader reader, YamlMappingNode map, string path, string type, IReadOnlyList<string> types, string container)
    {
        if (types.Contains(type))
        {
            return new DataComponent(type, []);
        }

        reader.Error(map, path, $"{container}'s default '{type}' is not built in; give this component with one of: {string.Join(", ", types)}");
        return null;
    }

    private static JsonNode? Resolve(JsonNode? node, string folder) =>
        node is JsonValue v && v.TryGetValue<string>(out var text) && !text.StartsWith(Assets.ModelLocator.NpmScheme, StringComparison.Ordinal)
            ? System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, text))
            : node?.DeepClone();

    private static JsonObject Canonical(DataComponent c) => new() { ["type"] = c.Type, ["params"] = c.Params.DeepClone() };

    /// <summary>
    /// A <c>{type, params}</c> component; parameters may also sit beside type (Olive flattens them). Without a type the
    /// container's default applies (<paramref name="defaultType"/>; null = Olive's identity step, so no component).
    /// </summary>
    private static DataComponent? Component(RecipeReader reader, YamlNode node, string path, string folder, IReadOnlyList<string> types, string? defaultType)
    {
        if (RecipeReader.IsNull(node) || reader.Mapping(node, path) is not { } map)
        {
            return null;
        }

        var typeNode = RecipeReader.Child(map, "type");
        var type = typeNode is not null && !RecipeReader.IsNull(typeNode) ? reader.String(typeNode, $"{path}.type") : defaultType;
        if (type is null && typeNode is null)
        {
            return null;
        }

        if (type is null || !types.Contains(type) || (type == SpeechDataset.LoadType && !IsAudioFolder(map, folder)))
        {
            var why = type is null ? "is required"
                : typeNode is null ? $"is not given, and Olive's default for this container, '{type}', is not built in"
                : type == SpeechDataset.LoadType && types.Contains(type) ? $"'{type}' is read only for data_name {SpeechDataset.AudioFolderName} (a local folder)"
                : $"'{type}' is not built in{DidYouMean.Hint(type, types)}";
            reader.Error(typeNode ?? map, $"{path}.type", $"{why}; built in: {string.Join(", ", types)}{HubHint(type, map)}");
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

        if (type == SpeechDataset.LoadType && parameters["data_name"]?.GetValue<string>() is { } local && local != SpeechDataset.AudioFolderName)
        {
            // Hugging Face's load_dataset reads a local folder of audio files as an audiofolder; say so explicitly.
            parameters["data_dir"] = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, local));
            parameters["data_name"] = SpeechDataset.AudioFolderName;
        }

        return new DataComponent(type, parameters);
    }

    /// <summary>What to do instead of a Hugging Face hub dataset, which OliveNet cannot download.</summary>
    private static string HubHint(string? type, YamlMappingNode map)
    {
        if (type != "huggingface_dataset")
        {
            return string.Empty;
        }

        var name = RecipeReader.Child(map, "data_name") ?? (RecipeReader.Child(map, "params") as YamlMappingNode is { } p ? RecipeReader.Child(p, "data_name") : null);
        var which = name is YamlScalarNode { Value: { } n } ? $" ('{n}')" : string.Empty;
        return $". A Hugging Face hub dataset{which} cannot be loaded: OliveNet does not download datasets. For text (Gptq or SelectiveMixedPrecision calibration, perplexity) "
            + "save it locally and use {type: text_files, params: {data_files: [...]}} or {type: jsonl, params: {data_files: [...], field: text}}, with pre_process_data_config {type: tokenize_text, params: {max_length: N}}. "
            + $"For speech (wer, rtfx) save the clips as a local audiofolder (WAV files and metadata.jsonl or metadata.csv with file_name and text) and keep {SpeechDataset.LoadType} with params {{data_name: {SpeechDataset.AudioFolderName}, data_dir: <folder>}}";
    }

    /// <summary>
    /// Whether a huggingface_dataset component is read offline: Hugging Face's audiofolder loader, or a local folder
    /// (relative to the recipe) as data_name, which load_dataset reads as an audiofolder too.
    /// </summary>
    private static bool IsAudioFolder(YamlMappingNode map, string folder) =>
        (RecipeReader.Child(map, "data_name") ?? (RecipeReader.Child(map, "params") as YamlMappingNode is { } p ? RecipeReader.Child(p, "data_name") : null))
            is YamlScalarNode { Value: { } name } && (name == SpeechDataset.AudioFolderName || (name.Length > 0 && Directory.Exists(System.IO.Path.Combine(folder, name))));

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial System.Text.RegularExpressions.Regex DataName();
}
