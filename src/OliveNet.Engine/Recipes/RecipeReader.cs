using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

/// <summary>
/// Reads values out of a recipe's YAML tree (JSON is read as YAML), expanding <c>${NAME}</c> and <c>${NAME:-default}</c>
/// environment references in scalars and collecting every problem with its file position.
/// </summary>
internal sealed partial class RecipeReader
{
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly HashSet<YamlNode> _overridden;

    public RecipeReader(string file, IReadOnlyDictionary<string, string?> environment, HashSet<YamlNode> overridden)
    {
        File = file;
        _environment = environment;
        _overridden = overridden;
    }

    public string File { get; }

    public List<RecipeError> Errors { get; } = [];

    public void Error(YamlNode? node, string path, string message)
    {
        if (node is not null && _overridden.Contains(node))
        {
            Errors.Add(new RecipeError(path, message, "--set", 0, 0));
            return;
        }

        var mark = node?.Start ?? Mark.Empty;
        Errors.Add(new RecipeError(path, message, File, (int)mark.Line, (int)mark.Column));
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>The node as a mapping, or an error saying a mapping was expected.</summary>
    public YamlMappingNode? Mapping(YamlNode? node, string path)
    {
        if (node is YamlMappingNode map)
        {
            return map;
        }

        Error(node, path, $"expected a mapping (key: value lines), got {Kind(node)}");
        return null;
    }

    /// <summary>Iterates a mapping's keys as strings, reporting keys outside <paramref name="known"/> with a suggestion.</summary>
    public IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode map, string path, IReadOnlyCollection<string>? known = null)
    {
        foreach (var (keyNode, value) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            if (known is not null && !known.Contains(key))
            {
                Error(keyNode, Join(path, key), $"unknown key{DidYouMean.Hint(key, known)}");
                continue;
            }

            yield return (key, value);
        }
    }

    public static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public string? String(YamlNode? node, string path)
    {
        if (node is YamlScalarNode scalar && !IsNull(scalar))
        {
            return Expand(scalar, path);
        }

        Error(node, path, $"expected a text value, got {Kind(node)}");
        return null;
    }

    public bool? Bool(YamlNode? node, string path)
    {
        var text = node is YamlScalarNode scalar ? Expand(scalar, path) : null;
        switch (text?.ToLowerInvariant())
        {
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                Error(node, path, $"expected true or false, got {Kind(node)}");
                return null;
        }
    }

    public long? Integer(YamlNode? node, string path)
    {
        var text = node is YamlScalarNode scalar ? Expand(scalar, path) : null;
        if (text is not null && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Error(node, path, $"expected a whole number, got {Kind(node)}");
        return null;
    }

    /// <summary>Converts a subtree to JSON, typing plain scalars as YAML's core schema does (bool, null, numbers).</summary>
    public JsonNode? ToJson(YamlNode node, string path) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(
            ((YamlScalarNode)kv.Key).Value ?? string.Empty, ToJson(kv.Value, Join(path, ((YamlScalarNode)kv.Key).Value ?? string.Empty))))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select((c, i) => ToJson(c, $"{path}[{i}]")).ToArray()),
        YamlScalarNode scalar => ScalarToJson(scalar, path),
        _ => null,
    };

    public static bool IsNull(YamlNode? node) =>
        node is null || (node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s && s.Value is null or "" or "~" or "null" or "Null" or "NULL");

    public static string Kind(YamlNode? node) => node switch
    {
        null => "nothing",
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s when IsNull(s) => "null",
        YamlScalarNode s => $"'{s.Value}'",
        _ => "an unsupported value",
    };

    private JsonValue? ScalarToJson(YamlScalarNode scalar, string path)
    {
        if (IsNull(scalar))
        {
            return null;
        }

        var text = Expand(scalar, path) ?? string.Empty;
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted)
        {
            return JsonValue.Create(text);
        }

        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return JsonValue.Create(text.Equals("true", StringComparison.OrdinalIgnoreCase));
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    /// <summary>Expands environment references; an unset variable without a default is an error.</summary>
    private string? Expand(YamlScalarNode scalar, string path)
    {
        var text = scalar.Value ?? string.Empty;
        if (!text.Contains("${", StringComparison.Ordinal))
        {
            return text;
        }

        return EnvironmentReference().Replace(text, match =>
        {
            var name = match.Groups["name"].Value;
            if (_environment.TryGetValue(name, out var value) && value is not null)
            {
                return value;
            }

            if (match.Groups["default"].Success)
            {
                return match.Groups["default"].Value;
            }

            Error(scalar, path, $"environment variable {name} is not set; set it, or give a default as ${{{name}:-value}}");
            return string.Empty;
        });
    }

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(:-(?<default>[^}]*))?\}")]
    private static partial Regex EnvironmentReference();
}
