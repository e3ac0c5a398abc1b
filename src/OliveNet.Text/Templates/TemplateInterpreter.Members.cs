using System.Globalization;

namespace OliveNet.Text.Templates;

internal sealed partial class TemplateInterpreter
{
    private const string SupportedTests = "defined, undefined, none, string, mapping, iterable, sequence, number, integer, float, boolean, true, false, "
        + "odd, even, divisibleby, eq, ne, lt, gt, in, callable, lower, upper";

    /// <summary>The global functions every template sees: namespace, range, raise_exception, dict, strftime_now.</summary>
    public void AddGlobals(TemplateScope scope)
    {
        scope.Set("raise_exception", RaiseException());
        scope.Set("namespace", new TemplateFunction("namespace", (args, keywords) =>
        {
            var ns = new TemplateNamespace();
            if (args.Count > 0 && args[0] is OrderedDictionary<string, object?> initial)
            {
                foreach (var (key, value) in initial)
                {
                    ns.Values[key] = value;
                }
            }

            foreach (var (key, value) in keywords)
            {
                ns.Values[key] = value;
            }

            return ns;
        }));
        scope.Set("dict", new TemplateFunction("dict", (_, keywords) => TemplateValues.ToDictionary(keywords.Select(k => (k.Key, k.Value)))));
        scope.Set("range", new TemplateFunction("range", (args, _) =>
        {
            var numbers = args.Select(a => a as long? ?? throw new ArgumentException("range() takes integers")).ToList();
            var (start, stop, step) = numbers.Count switch { 1 => (0L, numbers[0], 1L), 2 => (numbers[0], numbers[1], 1L), _ => (numbers[0], numbers[1], numbers[2]) };
            var result = new List<object?>();
            for (var i = start; step > 0 ? i < stop : i > stop; i += step)
            {
                result.Add(i);
            }

            return result;
        }));
        scope.Set("strftime_now", new TemplateFunction("strftime_now", (args, _) => StrftimeNow(args.Count > 0 ? TemplateValues.Render(args[0]) : "%Y-%m-%d")));
    }

    private TemplateFunction RaiseException() => new("raise_exception", (args, _) =>
        throw new TemplateException($"{name}: the template raised an error: {(args.Count > 0 ? TemplateValues.Render(args[0]) : "(no message)")}") { RaisedByTemplate = true });

    private static string StrftimeNow(string format)
    {
        var now = DateTime.Now;
        return format.Replace("%d", now.ToString("dd", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%b", now.ToString("MMM", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%B", now.ToString("MMMM", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%m", now.ToString("MM", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%Y", now.ToString("yyyy", CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private bool Test(TestExpression test, TemplateScope scope) =>
        ApplyTest(test.Test, Evaluate(test.Value, scope), test.Arguments.Select(a => Evaluate(a, scope)).ToList(), test.Where);

    private bool ApplyTest(string test, object? value, List<object?> args, string where) => test switch
    {
        "defined" => value is not Undefined,
        "undefined" => value is Undefined,
        "none" => value is null,
        "string" => value is string,
        "mapping" => value is OrderedDictionary<string, object?> or TemplateNamespace,
        "iterable" => value is string or List<object?> or OrderedDictionary<string, object?>,
        "sequence" => value is string or List<object?> or OrderedDictionary<string, object?>,
        "number" => value is long or double,
        "integer" => value is long,
        "float" => value is double,
        "boolean" => value is bool,
        "true" => value is true,
        "false" => value is false,
        "odd" => value is long o && o % 2 != 0,
        "even" => value is long e && e % 2 == 0,
        "divisibleby" => value is long n && args.Count > 0 && args[0] is long m && m != 0 && n % m == 0,
        "eq" or "equalto" or "sameas" => args.Count > 0 && TemplateValues.Equals(value, args[0]),
        "ne" => args.Count > 0 && !TemplateValues.Equals(value, args[0]),
        "lt" => args.Count > 0 && TemplateValues.Compare(value, args[0]) < 0,
        "gt" => args.Count > 0 && TemplateValues.Compare(value, args[0]) > 0,
        "in" => args.Count > 0 && Contains(args[0], value, where),
        "callable" => value is TemplateFunction,
        "lower" => value is string lower && string.Equals(lower, lower.ToLowerInvariant(), StringComparison.Ordinal),
        "upper" => value is string upper && string.Equals(upper, upper.ToUpperInvariant(), StringComparison.Ordinal),
        _ => throw Error(where, $"test '{test}' is not supported (supported: {SupportedTests})"),
    };

    private static TemplateFunction? StringMethod(string s, string method) => method switch
    {
        "startswith" => new(method, (args, _) => Prefixes(args).Any(p => s.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => new(method, (args, _) => Prefixes(args).Any(p => s.EndsWith(p, StringComparison.Ordinal))),
        "strip" => new(method, (args, _) => args.Count > 0 && args[0] is string chars ? s.Trim(chars.ToCharArray()) : s.Trim()),
        "lstrip" => new(method, (args, _) => args.Count > 0 && args[0] is string chars ? s.TrimStart(chars.ToCharArray()) : s.TrimStart()),
        "rstrip" => new(method, (args, _) => args.Count > 0 && args[0] is string chars ? s.TrimEnd(chars.ToCharArray()) : s.TrimEnd()),
        "split" => new(method, (args, keywords) => Split(s, args.Count > 0 ? args[0] : keywords.GetValueOrDefault("sep"), args.Count > 1 ? args[1] as long? ?? -1 : -1)),
        "replace" => new(method, (args, _) => args.Count >= 2 ? Replace(s, TemplateValues.Render(args[0]), TemplateValues.Render(args[1]), args.Count > 2 ? args[2] as long? ?? -1 : -1) : throw new ArgumentException("replace() needs old and new")),
        "upper" => new(method, (_, _) => s.ToUpperInvariant()),
        "lower" => new(method, (_, _) => s.ToLowerInvariant()),
        "title" => new(method, (_, _) => Title(s)),
        "capitalize" => new(method, (_, _) => Capitalize(s)),
        "find" => new(method, (args, _) => (long)s.IndexOf(TemplateValues.Render(args[0]), StringComparison.Ordinal)),
        "join" => new(method, (args, _) => string.Join(s, (args.Count > 0 && args[0] is List<object?> list ? list : []).Select(TemplateValues.Render))),
        _ => null,
    };

    private static IEnumerable<string> Prefixes(List<object?> args) => args.Count == 0 ? [] : args[0] switch
    {
        List<object?> many => many.Select(TemplateValues.Render),
        var one => [TemplateValues.Render(one)],
    };

    // Python str.split: no separator splits on whitespace runs and drops empty ends; maxsplit limits the cuts.
    private static List<object?> Split(string s, object? separator, long maxSplit)
    {
        if (separator is string sep && sep.Length > 0)
        {
            var parts = maxSplit < 0 ? s.Split(sep) : s.Split(sep, (int)maxSplit + 1);
            return [.. parts];
        }

        var words = s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (maxSplit >= 0 && words.Length > maxSplit + 1)
        {
            var trimmed = s.TrimStart();
            var result = new List<object?>();
            for (var i = 0; i < maxSplit; i++)
            {
                var cut = trimmed.IndexOfAny([' ', '\t', '\n', '\r', '\f', '\v']);
                result.Add(trimmed[..cut]);
                trimmed = trimmed[cut..].TrimStart();
            }

            result.Add(trimmed);
            return result;
        }

        return [.. words];
    }

    private static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0 || old.Length == 0)
        {
            return old.Length == 0 ? s : s.Replace(old, replacement, StringComparison.Ordinal);
        }

        var result = s;
        var from = 0;
        for (var i = 0; i < count; i++)
        {
            var at = result.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            result = string.Concat(result.AsSpan(0, at), replacement, result.AsSpan(at + old.Length));
            from = at + replacement.Length;
        }

        return result;
    }

    private TemplateFunction? DictMethod(OrderedDictionary<string, object?> dict, string method) => method switch
    {
        "items" => new(method, (_, _) => Items(dict, string.Empty)),
        "keys" => new(method, (_, _) => dict.Keys.Select(k => (object?)k).ToList()),
        "values" => new(method, (_, _) => dict.Values.ToList()),
        "get" => new(method, (args, _) => args.Count > 0 && args[0] is string key && dict.TryGetValue(key, out var v) ? v : args.Count > 1 ? args[1] : null),
        _ => null,
    };

    private static TemplateFunction? ListMethod(List<object?> list, string method) => method switch
    {
        "append" => new(method, (args, _) =>
        {
            list.AddRange(args);
            return null;
        }),
        "index" => new(method, (args, _) => (long)list.FindIndex(x => TemplateValues.Equals(x, args[0]))),
        _ => null,
    };
}
