using System.Text.Json.Nodes;
using OliveNet.Engine.Data;
using OliveNet.Engine.Passes;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

public sealed partial class RecipeLoader
{
    /// <summary>Olive's save parameters every ONNX pass accepts; OliveNet always saves large tensors externally itself.</summary>
    internal static readonly string[] CommonSaveKeys =
        ["save_as_external_data", "all_tensors_to_one_file", "external_data_name", "size_threshold", "convert_attribute"];

    /// <summary>Keys of a pass entry that are not pass options.</summary>
    internal static readonly string[] EntryKeys = ["type", "config", "host", "evaluator", "disable_search", "output_name", "timeout", "data_config"];

    private IReadOnlyList<PassStep>? ReadPasses(
        RecipeReader reader, YamlNode node, Target target, List<string> notes, Search.SearchSpec? search, PassDataContext data, string folder,
        InputModelSpec? input)
    {
        if (reader.Mapping(node, "passes") is not { } map)
        {
            return null;
        }

        var steps = new List<PassStep>();
        foreach (var (name, value) in reader.Entries(map, "passes"))
        {
            var path = $"passes.{name}";
            var configs = value is YamlSequenceNode list ? list.Children.ToList() : [value];
            var choices = new List<PassChoice>();
            for (var i = 0; i < configs.Count; i++)
            {
                var choicePath = configs.Count == 1 ? path : $"{path}[{i}]";
                if (ReadPass(reader, configs[i], choicePath, target, notes, search, data, folder) is { } choice)
                {
                    CheckCheckpoint(reader, configs[i], choicePath, choice, input);
                    choices.AddRange(choice);
                }
            }

            if (configs.Count > 1 && search is null)
            {
                reader.Error(value, path, "lists alternatives, which is a search space: set search_strategy (and an evaluator), or keep one");
            }

            if (choices.Count > 0)
            {
                steps.Add(new PassStep(name, choices));
            }
        }

        if (steps.Count == 0 && reader.Errors.Count == 0)
        {
            reader.Error(node, "passes", "is empty: list at least one pass");
        }

        return steps;
    }

    /// <summary>
    /// Passes that read the input checkpoint (ModelBuilder, Gptq, GGUF, …) look at its config.json now, so an
    /// architecture they do not handle is refused by <c>validate</c> rather than when the run reaches the pass. The
    /// checkpoint passes keep the architecture, so every one of them is checked against the input's config.
    /// </summary>
    private static void CheckCheckpoint(RecipeReader reader, YamlNode node, string path, List<PassChoice> choices, InputModelSpec? input)
    {
        if (input is not { Type: "HfModel" } || !Directory.Exists(input.Path))
        {
            return;
        }

        var typeNode = node is YamlMappingNode map ? RecipeReader.Child(map, "type") ?? node : node;
        foreach (var problem in choices.Where(c => c.Pass is ICheckpointCheck && c.Pass.Metadata.ReadsCheckpoint)
                     .SelectMany(c => ((ICheckpointCheck)c.Pass).CheckCheckpoint(input.Path, c.Options)).Distinct(StringComparer.Ordinal))
        {
            reader.Error(typeNode, $"{path}.type", problem);
        }
    }

    private List<PassChoice>? ReadPass(
        RecipeReader reader, YamlNode node, string path, Target target, List<string> notes, Search.SearchSpec? search, PassDataContext data, string folder)
    {
        if (reader.Mapping(node, path) is not { } map)
        {
            return null;
        }

        RefuseScripts(reader, map, path);
        var typeNode = RecipeReader.Child(map, "type");
        var type = typeNode is null ? null : reader.String(typeNode, $"{path}.type");
        if (type is null)
        {
            reader.Error(typeNode ?? map, $"{path}.type", "is required: the pass type, e.g. OrtTransformersOptimization");
            return null;
        }

        var pass = _passes.Find(type);
        if (pass is null)
        {
            var ids = _passes.All.Select(p => p.Metadata.Id).ToList();
            reader.Error(typeNode, $"{path}.type", OlivePasses.Find(type) is { } olivePass
                ? OlivePasses.OutOfScope(olivePass) is { } reason
                    ? $"'{olivePass}' is out of OliveNet's scope: {reason}"
                    : $"'{olivePass}' is an Olive pass OliveNet does not support yet; OliveNet has: {string.Join(", ", ids)}"
                : $"'{type}' is not a pass OliveNet has{DidYouMean.Hint(type, ids.Concat(OlivePasses.Names).Distinct(StringComparer.OrdinalIgnoreCase))}; available: {string.Join(", ", ids)}");
            return null;
        }

        CheckTarget(reader, typeNode!, $"{path}.type", pass, target);
        var options = new JsonObject();
        var marks = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var infos = PassOptions.Describe(pass.OptionsType);
        var optionKeys = infos.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        var olive = PassOptions.OliveOptions(pass.OptionsType).ToDictionary(o => o.Key, StringComparer.Ordinal);
        var entries = new List<(string Path, string Key, YamlNode Value)>();
        (YamlNode Node, string Path)? dataEntry = RecipeReader.Child(map, "data_config") is { } direct ? (direct, $"{path}.data_config") : null;
        foreach (var (key, value) in reader.Entries(map, path))
        {
            if (key == "config" && reader.Mapping(value, $"{path}.config") is { } config)
            {
                // Olive's nested form may name the data config under config too; it binds as beside type.
                dataEntry ??= RecipeReader.Child(config, "data_config") is { } nested ? (nested, $"{path}.config.data_config") : null;
                entries.AddRange(reader.Entries(config, $"{path}.config").Where(e => e.Key != "data_config").Select(e => ($"{path}.config", e.Key, e.Value)));
            }
            else if (!EntryKeys.Contains(key))
            {
                entries.Add((path, key, value));
            }
        }

        var given = entries.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var removals = new List<(string Target, string Path, YamlNode Value)>();
        foreach (var (where, key, value) in entries)
        {
            if (olive.GetValueOrDefault(key) is { RemovesFrom: { } from } && !optionKeys.Contains(key))
            {
                removals.Add((from, RecipeReader.Join(where, key), value));
                continue;
            }

            if (olive.GetValueOrDefault(key) is { Entries.Length: > 0 } nested && !optionKeys.Contains(key))
            {
                foreach (var (inner, innerValue) in NestedOptions(reader, pass, where, nested, value, given, notes))
                {
                    AddOption(reader, RecipeReader.Join(where, key), inner, innerValue, optionKeys, options, marks, notes);
                }

                continue;
            }

            var bound = OliveKey(reader, pass, where, key, value, olive, optionKeys, given, notes);
            if (bound is not null)
            {
                AddOption(reader, where, bound, value, optionKeys, options, marks, notes);
            }
        }

        foreach (var (targetKey, where, value) in removals)
        {
            RemoveValues(reader, infos, targetKey, where, value, options);
        }

        foreach (var info in infos.Where(i => i.IsPath))
        {
            if (options[info.Key] is JsonValue p && p.TryGetValue<string>(out var relative) && relative.Length > 0)
            {
                options[info.Key] = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, relative));
            }
        }

        if (dataEntry is ({ } dataNode, { } dataPath) && reader.String(dataNode, dataPath) is { } dataName)
        {
            if (data.Refused.Contains(dataName))
            {
                // Reported where the data config is.
            }
            else if (!data.Data.ContainsKey(dataName))
            {
                reader.Error(dataNode, dataPath, $"'{dataName}' is not a data config{DidYouMean.Hint(dataName, data.Data.Keys)}");
            }
            else if (optionKeys.Contains("data_config"))
            {
                // Checkpoint passes (Gptq, SelectiveMixedPrecision) tokenize text data configs themselves.
                var spec = data.Data[dataName];
                if (!TextDataset.IsText(spec))
                {
                    reader.Error(dataNode, dataPath, $"{pass.Metadata.Id} calibrates on text, but '{dataName}' loads {spec.Load.Type}; give a data config with load_dataset_config type {string.Join(" or ", TextDataset.LoadTypes)} (local files) and pre_process_data_config tokenize_text");
                }
                else
                {
                    options["data_config"] = data.Described(dataName);
                }
            }
            else if (!optionKeys.Contains("data_dir"))
            {
                reader.Error(dataNode, dataPath, $"{pass.Metadata.Id} reads no data");
            }
            else
            {
                options["data_dir"] = data.FolderFor(dataName);
            }
        }

        var choices = SearchSpace.Expand(reader, pass, options, marks, map, path, target, notes, search);
        if (choices is null)
        {
            return null;
        }

        TimeSpan? timeout = null;
        if (RecipeReader.Child(map, "timeout") is { } timeoutNode)
        {
            var seconds = reader.ToJson(timeoutNode, $"{path}.timeout") is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.Number
                ? double.Parse(value.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)
                : (double?)null;
            if (seconds is null or <= 0)
            {
                reader.Error(timeoutNode, $"{path}.timeout", $"expected a number of seconds above 0, got {RecipeReader.Kind(timeoutNode)}");
            }
            else
            {
                timeout = TimeSpan.FromSeconds(seconds.Value);
            }
        }

        return choices.Select(bound => new PassChoice(pass, bound, PassOptions.Canonical(bound), timeout)).ToList();
    }

    private static void AddOption(
        RecipeReader reader, string path, string key, YamlNode value, HashSet<string> optionKeys, JsonObject options, Dictionary<string, YamlNode> marks, List<string> notes)
    {
        if (!optionKeys.Contains(key) && CommonSaveKeys.Contains(key))
        {
            notes.Add($"{RecipeReader.Join(path, key)} is handled by OliveNet itself: tensors of 1 KiB or more are always saved to model.onnx.data");
            return;
        }

        var json = reader.ToJson(value, RecipeReader.Join(path, key));
        if (json is JsonValue v && v.TryGetValue<string>(out var text))
        {
            if (text == "DEFAULT_VALUE")
            {
                return;
            }

            if (text == "SEARCHABLE_VALUES")
            {
                options[key] = json;
                marks[key] = value;
                return;
            }
        }

        options[key] = json;
        marks[key] = value;
    }

    /// <summary>A pass that cannot serve the target is refused before anything runs.</summary>
    private static void CheckTarget(RecipeReader reader, YamlNode node, string path, IPass pass, Target target)
    {
        var meta = pass.Metadata;
        if (meta.Devices.Count > 0 && !meta.Devices.Contains(target.Device, StringComparer.OrdinalIgnoreCase))
        {
            reader.Error(node, path, $"{meta.Id} supports devices {string.Join(", ", meta.Devices)}, but the target device is {target.Device}");
        }

        if (meta.ExecutionProviders.Count > 0 && !meta.ExecutionProviders.Contains(target.ExecutionProvider, StringComparer.OrdinalIgnoreCase))
        {
            reader.Error(node, path, $"{meta.Id} produces models for {string.Join(", ", meta.ExecutionProviders)}, but the target is {target.ExecutionProvider}");
        }
    }
}
