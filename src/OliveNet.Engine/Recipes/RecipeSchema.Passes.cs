using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using OliveNet.Engine.Passes;

namespace OliveNet.Engine.Recipes;

public static partial class RecipeSchema
{
    private const string SavedByOliveNet = "Olive's save parameter, accepted on every pass and ignored: OliveNet always "
        + "saves tensors of 1 KiB or more to model.onnx.data itself.";

    /// <summary>The <c>$defs</c> name of a pass's entry schema.</summary>
    public static string PassDefinition(IPass pass) => $"pass.{pass.Metadata.Id}";

    /// <summary>Any registered pass; the branch is chosen by type, and only that pass's options are allowed.</summary>
    private static JsonObject PassEntry(PassRegistry passes)
    {
        var ids = passes.All.Select(p => p.Metadata.Id).ToArray();
        var entry = new JsonObject
        {
            ["description"] = "One pass: type names it (case-insensitive), its options sit beside type or under config. An "
                + "option set to DEFAULT_VALUE keeps its default; SEARCHABLE_VALUES needs search, which is not available yet.",
            ["type"] = "object",
            ["required"] = new JsonArray("type"),
        };
        if (ids.Length == 0)
        {
            entry["not"] = new JsonObject();
            return entry;
        }

        entry["properties"] = new JsonObject { ["type"] = CaseInsensitive("The pass type (case-insensitive).", ids) };
        entry["oneOf"] = new JsonArray(passes.All.Select(p => (JsonNode?)Ref(PassDefinition(p))).ToArray());
        return entry;
    }

    private static JsonObject Pass(IPass pass)
    {
        var meta = pass.Metadata;
        var options = PassOptions.Describe(pass.OptionsType);
        var optionKeys = options.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        var saveKeys = RecipeLoader.CommonSaveKeys.Where(k => !optionKeys.Contains(k)).ToList();

        var config = new JsonObject();
        foreach (var option in options)
        {
            config[option.Key] = Option(pass.OptionsType, option);
        }

        foreach (var key in saveKeys)
        {
            config[key] = SaveKey(key);
        }

        if (config.ContainsKey("data_config"))
        {
            // A pass that reads a data config itself gets it by name, beside type or under config alike.
            config["data_config"] = EntryKey("data_config", meta.Id);
        }

        foreach (var olive in PassOptions.OliveOptions(pass.OptionsType).Where(o => !optionKeys.Contains(o.Key)))
        {
            config[olive.Key] = OliveOption(olive);
        }

        var properties = new JsonObject();
        foreach (var key in RecipeLoader.EntryKeys)
        {
            properties[key] = key == "config"
                ? new JsonObject
                {
                    ["description"] = "Olive's nested form: the pass's options, as beside type.",
                    ["type"] = "object",
                    ["properties"] = config.DeepClone(),
                    ["additionalProperties"] = false,
                }
                : EntryKey(key, meta.Id);
        }

        // Entry keys win over an option of the same name beside type; under config every option is reachable.
        foreach (var (key, schema) in config.Where(kv => !RecipeLoader.EntryKeys.Contains(kv.Key)).ToList())
        {
            properties[key] = schema!.DeepClone();
        }

        return new JsonObject
        {
            ["title"] = meta.Id,
            ["description"] = $"{meta.Summary} Devices: {AnyIfEmpty(meta.Devices)}; execution providers: "
                + $"{AnyIfEmpty(meta.ExecutionProviders)}.",
            ["type"] = "object",
            ["required"] = new JsonArray("type"),
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
    }

    private static JsonObject EntryKey(string key, string id) => key switch
    {
        "type" => new JsonObject
        {
            ["description"] = $"The pass type {id} (case-insensitive).",
            ["type"] = "string",
            ["pattern"] = IgnoreCasePattern([id]),
            ["examples"] = new JsonArray(id),
        },
        "host" => Typed(new JsonArray("string", "object", "null"), $"Olive's per-pass host. {Ignored}"),
        "evaluator" => Typed(new JsonArray("string", "object", "null"), $"Olive's per-pass evaluator. {Ignored}"),
        "disable_search" => Typed("boolean", $"Olive: use defaults instead of searching this pass's options. {Ignored}"),
        "output_name" => Typed("string", $"Olive's name for this pass's output model. {Ignored}"),
        "timeout" => new JsonObject
        {
            ["description"] = "OliveNet: seconds this pass may run before it is cancelled and the run fails (checked between units of work).",
            ["type"] = "number",
            ["exclusiveMinimum"] = 0,
        },
        "data_config" => Typed("string", "The name of a data config whose samples this pass reads (calibration): OliveNet "
            + "writes them as a tensor folder and sets the pass's data_dir, or, for Gptq and SelectiveMixedPrecision, hands over "
            + "a local text data config (text_files or jsonl) that the pass tokenizes with the checkpoint's tokenizer."),
        _ => throw Undescribed("pass entry key", key),
    };

    /// <summary>An Olive option the record reads another way (<see cref="OliveOptionAttribute"/>), described by that way.</summary>
    private static JsonObject OliveOption(OliveOptionAttribute olive) => olive switch
    {
        { SameAs: { } same } => new JsonObject { ["description"] = $"Olive's name for {same}; give one of the two." },
        { RemovesFrom: { } from } => new JsonObject
        {
            ["description"] = $"Olive: names taken out of {from} (its given value or its default).",
            ["type"] = "array",
            ["items"] = new JsonObject { ["type"] = "string" },
        },
        { Entries.Length: > 0 } => new JsonObject
        {
            ["description"] = $"Olive's mapping of settings: {string.Join(", ", olive.Entries.Where(e => e.Contains('=', StringComparison.Ordinal)).Select(e => e.Replace("=", " sets ", StringComparison.Ordinal)))}; "
                + $"accepted without effect: {string.Join(", ", olive.Entries.Where(e => !e.Contains('=', StringComparison.Ordinal)))} ({olive.Ignored}). Other entries are refused.",
            ["type"] = "object",
        },
        { Unsupported: { } why } => new JsonObject
        {
            ["description"] = $"Olive option not supported by OliveNet: {why}."
                + (olive.NeutralJson is null ? string.Empty : $" Accepted only as {olive.NeutralJson}."),
        },
        { Ignored: { } why } => new JsonObject { ["description"] = $"Olive option accepted without effect: {why}." },
        _ => throw Undescribed("Olive option", olive.Key),
    };

    private static JsonObject SaveKey(string key) => key switch
    {
        "save_as_external_data" or "all_tensors_to_one_file" or "convert_attribute" => Typed("boolean", SavedByOliveNet),
        "external_data_name" => Typed(new JsonArray("string", "null"), SavedByOliveNet),
        "size_threshold" => Typed("integer", SavedByOliveNet),
        _ => throw Undescribed("save key", key),
    };

    private static JsonObject Option(Type optionsType, OptionInfo option)
    {
        var property = OptionProperty(optionsType, option.Key);
        var @default = JsonNode.Parse(option.DefaultJson);
        var schema = new JsonObject
        {
            ["description"] = option.Description,
            ["type"] = @default is null ? new JsonArray(option.Type, "null") : option.Type,
        };
        if (property is not null)
        {
            AddShape(schema, property.PropertyType);
        }

        schema["default"] = @default;
        if (option.CandidatesJson.Count > 0)
        {
            schema["examples"] = new JsonArray(option.CandidatesJson.Select(c => JsonNode.Parse(c)).ToArray());
        }

        return schema;
    }

    /// <summary>Enum values and array item types, which <see cref="OptionInfo"/> does not carry.</summary>
    private static void AddShape(JsonObject schema, Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            schema["enum"] = new JsonArray(Enum.GetValues(type).Cast<object>()
                .Select(v => JsonNode.Parse(JsonSerializer.Serialize(v, type, PassOptions.Json))).ToArray());
        }
        else if (ElementType(type) is { } element)
        {
            var items = new JsonObject { ["type"] = JsonType(element) };
            AddShape(items, element);
            schema["items"] = items;
        }
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0]
        : null;

    private static string JsonType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) || type.IsEnum => "string",
            _ when type == typeof(bool) => "boolean",
            _ when type == typeof(int) || type == typeof(long) => "integer",
            _ when type == typeof(float) || type == typeof(double) => "number",
            _ when ElementType(type) is not null => "array",
            _ => "object",
        };
    }

    /// <summary>The property behind an option key, named as <see cref="PassOptions"/> names it.</summary>
    private static PropertyInfo? OptionProperty(Type optionsType, string key) =>
        optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance).FirstOrDefault(p =>
            (p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)) == key);

    private static string AnyIfEmpty(IReadOnlyList<string> values) => values.Count == 0 ? "any" : string.Join(", ", values);
}
