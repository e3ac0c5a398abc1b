using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OliveNet.Engine.Data;

/// <summary>Typed reads of a component's parameters; a wrong value is a <see cref="DataException"/> naming the config and key.</summary>
internal sealed class ComponentParams(string where, JsonObject values)
{
    public string Where { get; } = where;

    public string? String(string key) => values[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : values[key] is null ? null : Fail<string>(key, "text");

    public string RequiredString(string key) => String(key) ?? throw new DataException($"{Where}: params.{key} is required");

    public int Int(string key, int fallback) => values[key] is null ? fallback : (int)Number(key);

    public double Double(string key, double fallback) => values[key] is null ? fallback : Number(key);

    public bool Bool(string key, bool fallback) => values[key] switch
    {
        null => fallback,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => Fail<bool>(key, "true or false"),
    };

    public double[]? Doubles(string key) => values[key] switch
    {
        null => null,
        JsonArray a => a.Select((n, i) => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture)
            : Fail<double>($"{key}[{i}]", "a number")).ToArray(),
        _ => Fail<double[]>(key, "a list of numbers"),
    };

    public string[]? Strings(string key) => values[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        JsonArray a => a.Select((n, i) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : Fail<string>($"{key}[{i}]", "text")).ToArray(),
        _ => Fail<string[]>(key, "text or a list of texts"),
    };

    public int[]? Ints(string key) => Doubles(key)?.Select(d => (int)d).ToArray();

    /// <summary>The raw value of a parameter, for parameters that take more than one form; null when absent.</summary>
    public JsonNode? Node(string key) => values[key];

    public JsonObject? Object(string key) => values[key] switch
    {
        null => null,
        JsonObject o => o,
        _ => Fail<JsonObject>(key, "a mapping"),
    };

    private double Number(string key) => values[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
        ? double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture)
        : Fail<double>(key, "a number");

    private T Fail<T>(string key, string expected) =>
        throw new DataException($"{Where}: params.{key} must be {expected}, got {values[key]?.ToJsonString() ?? "null"}");
}
