using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace OliveNet.Engine.Passes;

/// <summary>Binds recipe values to pass options records, describes them, and writes their canonical JSON.</summary>
public static class PassOptions
{
    /// <summary>snake_case keys, enums as strings: the form recipes and caches use.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The options of <paramref name="optionsType"/>, in declaration order.</summary>
    public static IReadOnlyList<OptionInfo> Describe(Type optionsType)
    {
        var defaults = Activator.CreateInstance(optionsType)!;
        return Properties(optionsType)
            .Select(p =>
            {
                var attribute = p.GetCustomAttribute<OptionAttribute>();
                return new OptionInfo(
                    Key(p),
                    JsonTypeName(p.PropertyType),
                    JsonSerializer.Serialize(p.GetValue(defaults), p.PropertyType, Json),
                    attribute?.Description ?? string.Empty,
                    (attribute?.Candidates ?? []).Select(c => JsonSerializer.Serialize(c, Json)).ToList(),
                    ArrayDepth(p.PropertyType),
                    attribute?.IsPath ?? false);
            })
            .ToList();
    }

    /// <summary>The Olive options the record declares it reads under another key or ignores (see <see cref="OliveOptionAttribute"/>).</summary>
    public static IReadOnlyList<OliveOptionAttribute> OliveOptions(Type optionsType) =>
        optionsType.GetCustomAttributes<OliveOptionAttribute>().ToList();

    /// <summary>
    /// Builds an options record from recipe values. Unknown keys and values of the wrong type are reported through
    /// <paramref name="error"/> (key, message); returns null when anything was reported.
    /// </summary>
    public static object? Bind(Type optionsType, JsonObject values, Action<string, string> error)
    {
        var byKey = Properties(optionsType).ToDictionary(Key, StringComparer.Ordinal);
        var ok = true;
        foreach (var (key, value) in values)
        {
            if (!byKey.TryGetValue(key, out var property))
            {
                error(key, $"is not an option of this pass{Recipes.DidYouMean.Hint(key, byKey.Keys)}; its options are: {string.Join(", ", byKey.Keys)}");
                ok = false;
                continue;
            }

            try
            {
                JsonSerializer.Deserialize(value?.ToJsonString() ?? "null", property.PropertyType, Json);
            }
            catch (JsonException)
            {
                error(key, $"expected {Expected(property.PropertyType)}, got {Describe(value)}");
                ok = false;
            }
        }

        return ok ? JsonSerializer.Deserialize(values.ToJsonString(), optionsType, Json) : null;
    }

    /// <summary>The options as compact JSON with keys sorted at every level: equal options give equal strings.</summary>
    public static string Canonical(object options) =>
        Sort(JsonSerializer.SerializeToNode(options, options.GetType(), Json))?.ToJsonString() ?? "null";

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => KeyValuePair.Create(kv.Key, Sort(kv.Value)))),
        JsonArray array => new JsonArray(array.Select(Sort).ToArray()),
        _ => node?.DeepClone(),
    };

    private static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.Name != "EqualityContract");

    private static string Key(PropertyInfo p) =>
        p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name);

    private static int ArrayDepth(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var element = type.IsArray ? type.GetElementType()
            : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0]
            : null;
        return element is null ? 0 : 1 + ArrayDepth(element);
    }

    private static string JsonTypeName(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) || type.IsEnum => "string",
            _ when type == typeof(bool) => "boolean",
            _ when type == typeof(int) || type == typeof(long) => "integer",
            _ when type == typeof(float) || type == typeof(double) => "number",
            _ when type.IsArray || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>)) => "array",
            _ => "object",
        };
    }

    private static string Expected(Type type)
    {
        var inner = Nullable.GetUnderlyingType(type) ?? type;
        return inner.IsEnum
            ? $"one of {string.Join(", ", Enum.GetNames(inner).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName))}"
            : $"a{(JsonTypeName(type) is "integer" or "array" or "object" ? "n" : string.Empty)} {JsonTypeName(type)}{(inner.IsArray ? $" of {JsonTypeName(inner.GetElementType()!)}" : string.Empty)}";
    }

    private static string Describe(JsonNode? value) => value switch
    {
        null => "null",
        JsonArray => "a list",
        JsonObject => "a mapping",
        _ => $"'{value.ToJsonString().Trim('"')}'",
    };
}
