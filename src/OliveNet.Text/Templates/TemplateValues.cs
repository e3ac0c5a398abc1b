using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OliveNet.Text.Templates;

/// <summary>The value of a missing variable, key or attribute: renders as nothing, is falsy, tests as undefined.</summary>
internal sealed class Undefined
{
    public static readonly Undefined Instance = new();

    private Undefined()
    {
    }
}

/// <summary>The object <c>namespace(...)</c> returns: attributes that <c>set ns.x = ...</c> can change from inside loops.</summary>
internal sealed class TemplateNamespace
{
    public OrderedDictionary<string, object?> Values { get; } = new(StringComparer.Ordinal);
}

/// <summary>A callable value: a global function, a filter-like method bound to its receiver, or a macro.</summary>
internal sealed class TemplateFunction(string name, Func<List<object?>, Dictionary<string, object?>, object?> invoke)
{
    public string Name { get; } = name;

    public object? Invoke(List<object?> arguments, Dictionary<string, object?> keywords) => invoke(arguments, keywords);
}

/// <summary>
/// Value semantics of the template language over plain .NET values: null is none, <see cref="Undefined"/>,
/// bool, long, double, string, <see cref="List{T}"/> of values and <see cref="OrderedDictionary{TKey, TValue}"/>
/// (string keys, insertion order kept for tojson and items()).
/// </summary>
internal static class TemplateValues
{
    public static bool IsTruthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        OrderedDictionary<string, object?> dict => dict.Count > 0,
        _ => true,
    };

    /// <summary>How <c>{{ value }}</c> prints.</summary>
    public static string Render(object? value) => value switch
    {
        string s => s,
        Undefined => string.Empty,
        _ => Repr(value, topLevel: true),
    };

    /// <summary>Python-style representation (lists and dicts print their items with quotes).</summary>
    public static string Repr(object? value, bool topLevel = false) => value switch
    {
        null => "None",
        Undefined => string.Empty,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatDouble(d),
        string s => topLevel ? s : "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'",
        List<object?> list => "[" + string.Join(", ", list.Select(item => Repr(item))) + "]",
        OrderedDictionary<string, object?> dict => "{" + string.Join(", ", dict.Select(pair => Repr(pair.Key) + ": " + Repr(pair.Value))) + "}",
        TemplateNamespace => "<Namespace>",
        TemplateFunction f => $"<function {f.Name}>",
        _ => value.ToString() ?? string.Empty,
    };

    public static string FormatDouble(double value) =>
        double.IsInteger(value) && Math.Abs(value) < 1e16 ? value.ToString("0.0", CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);

    public static string TypeName(object? value) => value switch
    {
        null => "none",
        Undefined => "undefined",
        bool => "boolean",
        long => "integer",
        double => "float",
        string => "string",
        List<object?> => "list",
        OrderedDictionary<string, object?> => "dict",
        TemplateNamespace => "namespace",
        TemplateFunction => "function",
        _ => value.GetType().Name,
    };

    public static new bool Equals(object? left, object? right) => (left, right) switch
    {
        (null, null) or (Undefined, Undefined) => true,
        (long a, long b) => a == b,
        (long or double, long or double) => Convert.ToDouble(left, CultureInfo.InvariantCulture) == Convert.ToDouble(right, CultureInfo.InvariantCulture),
        (bool a, bool b) => a == b,
        (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
        (List<object?> a, List<object?> b) => a.Count == b.Count && a.Zip(b).All(pair => Equals(pair.First, pair.Second)),
        (OrderedDictionary<string, object?> a, OrderedDictionary<string, object?> b) => a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var other) && Equals(pair.Value, other)),
        _ => ReferenceEquals(left, right),
    };

    /// <summary>Orders numbers and strings; null when the values cannot be ordered.</summary>
    public static int? Compare(object? left, object? right) => (left, right) switch
    {
        (long a, long b) => a.CompareTo(b),
        (long or double, long or double) => Convert.ToDouble(left, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(right, CultureInfo.InvariantCulture)),
        (string a, string b) => string.CompareOrdinal(a, b),
        _ => null,
    };

    /// <summary>JSON like Python's json.dumps(ensure_ascii=False): ", " and ": " separators, or "," with indent.</summary>
    public static string ToJson(object? value, int? indent)
    {
        var text = new StringBuilder();
        WriteJson(text, value, indent, 0);
        return text.ToString();
    }

    /// <summary>Converts parsed JSON (e.g. messages or tools from a file) to template values.</summary>
    public static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) ? l : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.Object => ToDictionary(element.EnumerateObject().Select(p => (p.Name, FromJson(p.Value)))),
        _ => null,
    };

    public static OrderedDictionary<string, object?> ToDictionary(IEnumerable<(string Key, object? Value)> pairs)
    {
        var dict = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, item) in pairs)
        {
            dict[key] = item;
        }

        return dict;
    }

    private static void WriteJson(StringBuilder text, object? value, int? indent, int depth)
    {
        var pad = indent is > 0 ? "\n" + new string(' ', indent.Value * (depth + 1)) : null;
        var closePad = indent is > 0 ? "\n" + new string(' ', indent.Value * depth) : null;
        var separator = pad is null ? ", " : ",";
        switch (value)
        {
            case null or Undefined:
                text.Append("null");
                break;
            case bool b:
                text.Append(b ? "true" : "false");
                break;
            case long or double:
                text.Append(value is double d ? FormatDouble(d) : Repr(value));
                break;
            case string s:
                WriteJsonString(text, s);
                break;
            case List<object?> list:
                text.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    text.Append(i > 0 ? separator : string.Empty).Append(pad);
                    WriteJson(text, list[i], indent, depth + 1);
                }

                text.Append(list.Count > 0 ? closePad : null).Append(']');
                break;
            case OrderedDictionary<string, object?> or TemplateNamespace:
                var dict = value as OrderedDictionary<string, object?> ?? ((TemplateNamespace)value).Values;
                text.Append('{');
                var first = true;
                foreach (var (key, item) in dict)
                {
                    text.Append(first ? string.Empty : separator).Append(pad);
                    WriteJsonString(text, key);
                    text.Append(": ");
                    WriteJson(text, item, indent, depth + 1);
                    first = false;
                }

                text.Append(dict.Count > 0 ? closePad : null).Append('}');
                break;
            default:
                throw new InvalidOperationException($"a {TypeName(value)} cannot be converted to JSON");
        }
    }

    private static void WriteJsonString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                case < ' ':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        text.Append('"');
    }
}
