using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OliveNet.Engine.Passes;

namespace OliveNet.Engine.Recipes;

/// <summary>
/// The JSON Schema (draft 2020-12) of recipes, built from the key lists <see cref="RecipeLoader"/> checks and the
/// options of the registered passes, so editors and the loader agree. Every key the loader knows must have a schema
/// here: a key added to the loader without one makes <see cref="Generate"/> throw, which the tests catch.
/// </summary>
public static partial class RecipeSchema
{
    private const string Draft = "https://json-schema.org/draft/2020-12/schema";

    private static readonly JsonSerializerOptions Format = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// The schema as indented JSON with "\n" line endings and a trailing newline. The same registry always gives the
    /// same text: keys follow the loader's lists, passes are ordered by id, options by declaration.
    /// </summary>
    /// <exception cref="InvalidOperationException">A key the loader accepts has no schema here.</exception>
    public static string Generate(PassRegistry passes)
    {
        var properties = new JsonObject();
        foreach (var key in RecipeLoader.TopLevelKeys)
        {
            properties[key] = TopLevel(key);
        }

        var root = new JsonObject
        {
            ["$schema"] = Draft,
            ["title"] = "OliveNet recipe",
            ["description"] = "An OliveNet recipe in Microsoft Olive's run-config format (YAML or JSON): the input model, "
                + "where passes run, and the ordered passes that transform it. Engine keys may sit at the top level or under "
                + "engine. ${NAME} and ${NAME:-default} in values read environment variables before values are typed.",
            ["type"] = "object",
            ["properties"] = properties,
            ["additionalProperties"] = false,
            ["allOf"] = new JsonArray(RequiredSomewhere("input_model")),
            ["$defs"] = Definitions(passes),
        };
        return root.ToJsonString(Format) + "\n";
    }

    private static JsonObject Definitions(PassRegistry passes)
    {
        var defs = new JsonObject
        {
            ["input_model"] = InputModel(),
            ["system"] = System(),
            ["system_reference"] = new JsonObject
            {
                ["description"] = "The name of an entry of systems, or a system written inline.",
                ["anyOf"] = new JsonArray(
                    new JsonObject { ["type"] = "string", ["description"] = "The name of an entry of systems." },
                    Ref("system")),
            },
            ["accelerator"] = Accelerator(),
            ["pass_entry"] = PassEntry(passes),
        };
        foreach (var pass in passes.All)
        {
            defs[PassDefinition(pass)] = Pass(pass);
        }

        return defs;
    }

    /// <summary>The loader reads <paramref name="key"/> from the top level or from under engine; one of them must have it.</summary>
    private static JsonObject RequiredSomewhere(string key) => new()
    {
        ["anyOf"] = new JsonArray(
            new JsonObject { ["required"] = new JsonArray(key) },
            new JsonObject
            {
                ["required"] = new JsonArray("engine"),
                ["properties"] = new JsonObject { ["engine"] = new JsonObject { ["required"] = new JsonArray(key) } },
            }),
    };

    /// <summary>Recipe keys the loader matches ignoring case: any casing of <paramref name="values"/> (the enum is for editors).</summary>
    private static JsonObject CaseInsensitive(string description, params string[] values) => new()
    {
        ["description"] = description,
        ["type"] = "string",
        ["anyOf"] = new JsonArray(
            new JsonObject { ["enum"] = Strings(values) },
            new JsonObject { ["pattern"] = IgnoreCasePattern(values) }),
    };

    /// <summary>ECMA-262 has no case-insensitive flag in JSON Schema patterns, so each letter becomes a class: [Aa].</summary>
    internal static string IgnoreCasePattern(IEnumerable<string> values) =>
        "^(?:" + string.Join("|", values.Select(v => string.Concat(v.Select(c =>
            char.IsLetter(c) ? $"[{char.ToUpperInvariant(c)}{char.ToLowerInvariant(c)}]" : Regex.Escape(c.ToString()))))) + ")$";

    private static JsonObject Typed(string type, string description, JsonNode? @default = null)
    {
        var schema = new JsonObject { ["description"] = description, ["type"] = type };
        if (@default is not null)
        {
            schema["default"] = @default;
        }

        return schema;
    }

    private static JsonObject Typed(JsonArray types, string description) =>
        new() { ["description"] = description, ["type"] = types };

    /// <summary>A key the loader refuses: present only so editors can say why.</summary>
    private static JsonObject Refused(string why) => new() { ["description"] = $"Not supported: {why}", ["not"] = new JsonObject() };

    private static JsonObject Ref(string definition) => new() { ["$ref"] = $"#/$defs/{definition}" };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
