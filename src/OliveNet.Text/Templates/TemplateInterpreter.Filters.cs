using System.Globalization;

namespace OliveNet.Text.Templates;

internal sealed partial class TemplateInterpreter
{
    private const string SupportedFilters = "trim, tojson, length, count, string, upper, lower, capitalize, title, items, default, join, first, last, list, "
        + "selectattr, rejectattr, select, reject, map, replace, int, float, abs, round, unique, sort, reverse, sum, min, max, indent, safe";

    private object? Filter(FilterExpression filter, TemplateScope scope)
    {
        var value = Evaluate(filter.Value, scope);
        var args = filter.Arguments.Select(a => Evaluate(a, scope)).ToList();
        var keywords = filter.Keywords.ToDictionary(k => k.Name, k => Evaluate(k.Value, scope), StringComparer.Ordinal);
        return ApplyFilter(filter.Filter, value, args, keywords, filter.Where);
    }

    private object? ApplyFilter(string filter, object? value, List<object?> args, Dictionary<string, object?> keywords, string where)
    {
        string Text(object? input) => input switch
        {
            string s => s,
            Undefined => string.Empty,
            _ => throw Error(where, $"filter '{filter}' needs a string, got a {TemplateValues.TypeName(input)}"),
        };

        object? Arg(int i, string keyword, object? fallback = null) =>
            i < args.Count ? args[i] : keywords.TryGetValue(keyword, out var k) ? k : fallback;

        switch (filter)
        {
            case "trim":
                return Arg(0, "chars") is string chars ? Text(value).Trim(chars.ToCharArray()) : Text(value).Trim();
            case "tojson":
                return TemplateValues.ToJson(value, Arg(0, "indent") is long indent ? (int)indent : null);
            case "length" or "count":
                return (long)(value switch
                {
                    string s => s.Length,
                    List<object?> list => list.Count,
                    OrderedDictionary<string, object?> dict => dict.Count,
                    TemplateNamespace ns => ns.Values.Count,
                    Undefined or null => 0,
                    _ => throw Error(where, $"filter 'length' needs a string, list or dict, got a {TemplateValues.TypeName(value)}"),
                });
            case "string" or "safe":
                return TemplateValues.Render(value);
            case "upper":
                return Text(value).ToUpperInvariant();
            case "lower":
                return Text(value).ToLowerInvariant();
            case "capitalize":
                return Capitalize(Text(value));
            case "title":
                return Title(Text(value));
            case "items":
                return Items(value, where);
            case "default" or "d":
                var boolean = TemplateValues.IsTruthy(Arg(1, "boolean", false));
                return value is Undefined || (boolean && !TemplateValues.IsTruthy(value)) ? Arg(0, "default_value", string.Empty) : value;
            case "join":
                var items = Arg(1, "attribute") is string attribute ? Iterate(value, where).Select(x => Member(x, attribute, where)) : Iterate(value, where);
                return string.Join(Arg(0, "d", string.Empty) is string separator ? separator : string.Empty, items.Select(TemplateValues.Render));
            case "first":
                return Iterate(value, where) is { Count: > 0 } f ? f[0] : Undefined.Instance;
            case "last":
                return Iterate(value, where) is { Count: > 0 } l ? l[^1] : Undefined.Instance;
            case "list":
                return Iterate(value, where).ToList();
            case "selectattr" or "rejectattr":
                var attributeName = Arg(0, "attribute") as string ?? throw Error(where, $"filter '{filter}' needs an attribute name");
                return Iterate(value, where).Where(x => Select(Member(x, attributeName, where), args.Skip(1).ToList(), where) == (filter == "selectattr")).ToList();
            case "select" or "reject":
                return Iterate(value, where).Where(x => Select(x, args, where) == (filter == "select")).ToList();
            case "map":
                return Map(value, args, keywords, where);
            case "replace":
                return Text(value).Replace(TemplateValues.Render(Arg(0, "old")), TemplateValues.Render(Arg(1, "new")), StringComparison.Ordinal);
            case "int":
                return ToInteger(value);
            case "float":
                return value is long or double ? Convert.ToDouble(value, CultureInfo.InvariantCulture) : double.TryParse(TemplateValues.Render(value), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0.0;
            case "abs":
                return value is long al ? (object)Math.Abs(al) : Math.Abs(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case "round":
                return Math.Round(Convert.ToDouble(value, CultureInfo.InvariantCulture), (int)(Arg(0, "precision", 0L) as long? ?? 0), MidpointRounding.ToEven);
            case "unique":
                return Iterate(value, where).Aggregate(new List<object?>(), (seen, x) => seen.Any(y => TemplateValues.Equals(x, y)) ? seen : [.. seen, x]);
            case "sort":
                var key = Arg(2, "attribute") as string;
                var sorted = Iterate(value, where).ToList();
                sorted.Sort((a, b) => TemplateValues.Compare(key is null ? a : Member(a, key, where), key is null ? b : Member(b, key, where)) ?? 0);
                if (TemplateValues.IsTruthy(Arg(0, "reverse", false)))
                {
                    sorted.Reverse();
                }

                return sorted;
            case "reverse":
                return value is string rs ? new string([.. rs.Reverse()]) : Enumerable.Reverse(Iterate(value, where)).ToList();
            case "sum":
                return Iterate(value, where).Aggregate((object?)0L, (total, x) => Arithmetic("+", total, x, where));
            case "min" or "max":
                var values = Iterate(value, where);
                return values.Count == 0 ? Undefined.Instance : values.Aggregate((a, b) => (TemplateValues.Compare(a, b) ?? 0) <= 0 == (filter == "min") ? a : b);
            case "indent":
                return Indent(Text(value), Arg(0, "width", 4L), TemplateValues.IsTruthy(Arg(1, "first", false)), TemplateValues.IsTruthy(Arg(2, "blank", false)));
            default:
                throw Error(where, $"filter '{filter}' is not supported (supported: {SupportedFilters})");
        }
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static string Title(string s)
    {
        var chars = s.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = i == 0 || !char.IsLetterOrDigit(chars[i - 1]) ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
        }

        return new string(chars);
    }

    private static object? ToInteger(object? value) => value switch
    {
        long l => l,
        double d => (long)Math.Truncate(d),
        bool b => b ? 1L : 0L,
        string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => (long)Math.Truncate(d),
        _ => 0L,
    };

    private static string Indent(string text, object? width, bool first, bool blank)
    {
        var pad = width is string s ? s : new string(' ', (int)(width as long? ?? 4));
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if ((i > 0 || first) && (blank || lines[i].Length > 0))
            {
                lines[i] = pad + lines[i];
            }
        }

        return string.Join('\n', lines);
    }

    private List<object?> Items(object? value, string where) => value switch
    {
        OrderedDictionary<string, object?> dict => dict.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList(),
        TemplateNamespace ns => ns.Values.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList(),
        Undefined or null => [],
        _ => throw Error(where, $"items needs a dict, got a {TemplateValues.TypeName(value)}"),
    };

    // select/reject semantics: no test name means truthiness; otherwise the named test with its arguments.
    private bool Select(object? value, List<object?> testAndArgs, string where)
    {
        if (testAndArgs.Count == 0)
        {
            return TemplateValues.IsTruthy(value);
        }

        var test = testAndArgs[0] as string ?? throw Error(where, "the test of select/selectattr must be a name string");
        return ApplyTest(test, value, testAndArgs.Skip(1).ToList(), where);
    }

    private List<object?> Map(object? value, List<object?> args, Dictionary<string, object?> keywords, string where)
    {
        var items = Iterate(value, where);
        if (keywords.TryGetValue("attribute", out var attribute) && attribute is string name)
        {
            var fallback = keywords.TryGetValue("default", out var d) ? d : Undefined.Instance;
            return items.Select(x => Member(x, name, where) is Undefined ? fallback : Member(x, name, where)).ToList();
        }

        if (args.Count > 0 && args[0] is string filter)
        {
            return items.Select(x => ApplyFilter(filter, x, args.Skip(1).ToList(), [], where)).ToList();
        }

        throw Error(where, "filter 'map' needs attribute='name' or a filter name");
    }
}
