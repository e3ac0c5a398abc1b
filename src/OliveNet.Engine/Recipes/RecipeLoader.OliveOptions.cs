using System.Text.Json.Nodes;
using OliveNet.Engine.Passes;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

/// <summary>Olive's own options of a pass that its options record reads another way (<see cref="OliveOptionAttribute"/>).</summary>
public sealed partial class RecipeLoader
{
    /// <summary>
    /// The record key an entry binds to: the key itself, or the option an Olive name or list form stands for
    /// (<see cref="OliveOptionAttribute"/>); null when the entry is an Olive option OliveNet ignores (noted) or repeats one.
    /// </summary>
    private static string? OliveKey(
        RecipeReader reader, IPass pass, string path, string key, YamlNode value, Dictionary<string, OliveOptionAttribute> olive,
        HashSet<string> optionKeys, HashSet<string> given, List<string> notes)
    {
        if (!olive.TryGetValue(key, out var form))
        {
            return key;
        }

        if (form.ListSameAs is { } listKey && value is YamlSequenceNode)
        {
            if (given.Contains(listKey))
            {
                reader.Error(value, RecipeReader.Join(path, key), $"a list of names is Olive's form of {listKey}, which is also given; keep one");
                return null;
            }

            return listKey;
        }

        if (form.SameAs is { } sameAs)
        {
            if (given.Contains(sameAs))
            {
                reader.Error(value, RecipeReader.Join(path, key), $"is Olive's name for {sameAs}, which is also given; keep one");
                return null;
            }

            return sameAs;
        }

        if (form.Unsupported is { } reason && !optionKeys.Contains(key))
        {
            var json = reader.ToJson(value, RecipeReader.Join(path, key));
            if (form.NeutralJson is null || !JsonNode.DeepEquals(json, JsonNode.Parse(form.NeutralJson)))
            {
                reader.Error(value, RecipeReader.Join(path, key), $"Olive's {pass.Metadata.Id} option is not supported by OliveNet: {reason}");
            }

            return null;
        }

        if (form.Ignored is { } why && !optionKeys.Contains(key))
        {
            notes.Add($"{RecipeReader.Join(path, key)}: Olive's {pass.Metadata.Id} option is accepted and has no effect in OliveNet: {why}");
            return null;
        }

        return key;
    }

    /// <summary>The entries of a mapping-valued Olive option (<see cref="OliveOptionAttribute.Entries"/>) that bind to options.</summary>
    private static IEnumerable<(string Key, YamlNode Value)> NestedOptions(
        RecipeReader reader, IPass pass, string path, OliveOptionAttribute form, YamlNode value, HashSet<string> given, List<string> notes)
    {
        var where = RecipeReader.Join(path, form.Key);
        if (reader.Mapping(value, where) is not { } map)
        {
            yield break;
        }

        var table = form.Entries.Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => p.Length == 2 ? p[1] : null, StringComparer.Ordinal);
        var ignored = new List<string>();
        var booleans = PassOptions.Describe(pass.OptionsType).Where(o => o.Type == "boolean").Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (entry, entryValue) in reader.Entries(map, where))
        {
            if (!table.TryGetValue(entry, out var option))
            {
                reader.Error(entryValue, RecipeReader.Join(where, entry), $"is not supported by OliveNet's {pass.Metadata.Id}{DidYouMean.Hint(entry, table.Keys)}; "
                    + $"supported: {string.Join(", ", table.Keys)}");
            }
            else if (option is null)
            {
                ignored.Add(entry);
            }
            else if (given.Contains(option))
            {
                reader.Error(entryValue, RecipeReader.Join(where, entry), $"sets {option}, which is also given; keep one");
            }
            else
            {
                yield return (option, booleans.Contains(option) ? BuilderBoolean(entryValue) : entryValue);
            }
        }

        if (ignored.Count > 0)
        {
            notes.Add($"{where}: {string.Join(", ", ignored)} accepted and without effect in OliveNet: {form.Ignored}");
        }
    }

    /// <summary>
    /// A boolean entry of a string-valued Olive mapping (ModelBuilder's extra_options, which the GenAI builder reads as
    /// key=value text): 1/0 and "1"/"0"/"true"/"false" mean true/false there, as recipes write include_hidden_states: 1.
    /// Anything else is left as it is, for the option's own type check to report.
    /// </summary>
    private static YamlNode BuilderBoolean(YamlNode value) => value is YamlScalarNode { Value: { } text } && !RecipeReader.IsNull(value)
        ? text.ToLowerInvariant() switch
        {
            "1" or "true" => new YamlScalarNode("true"),
            "0" or "false" => new YamlScalarNode("false"),
            _ => value,
        }
        : value;

    /// <summary>Olive's exclusion list (e.g. op_types_to_exclude) taken out of the list option it narrows.</summary>
    private static void RemoveValues(RecipeReader reader, IReadOnlyList<OptionInfo> infos, string targetKey, string path, YamlNode value, JsonObject options)
    {
        if (reader.ToJson(value, path) is not JsonArray remove || remove.Any(v => v is not JsonValue s || !s.TryGetValue<string>(out _)))
        {
            reader.Error(value, path, $"expected a list of names, got {RecipeReader.Kind(value)}");
            return;
        }

        var names = remove.Select(v => v!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var current = options[targetKey] ?? JsonNode.Parse(infos.First(i => i.Key == targetKey).DefaultJson);
        if (current is JsonArray { Count: 0 })
        {
            reader.Error(value, path, $"narrows {targetKey}, whose default here depends on other options: give {targetKey} as well");
        }
        else if (current is JsonArray list)
        {
            options[targetKey] = new JsonArray(list.Where(v => v is not JsonValue s || !s.TryGetValue<string>(out var n) || !names.Contains(n))
                .Select(v => v?.DeepClone()).ToArray());
        }
    }
}
