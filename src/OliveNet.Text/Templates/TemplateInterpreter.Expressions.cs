using System.Globalization;

namespace OliveNet.Text.Templates;

internal sealed partial class TemplateInterpreter
{
    private object? Evaluate(Expression expression, TemplateScope scope)
    {
        switch (expression)
        {
            case LiteralExpression l:
                return l.Value;
            case NameExpression n:
                return scope.Get(n.Name);
            case ListExpression list:
                return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case DictExpression dict:
                return TemplateValues.ToDictionary(dict.Items.Select(pair => (KeyOf(Evaluate(pair.Key, scope), pair.Key.Where), Evaluate(pair.Value, scope))));
            case MemberExpression m:
                return Member(Evaluate(m.Target, scope), m.Member, m.Where);
            case IndexExpression i:
                return Index(Evaluate(i.Target, scope), Evaluate(i.Index, scope), i.Where);
            case SliceExpression s:
                return Slice(Evaluate(s.Target, scope), Optional(s.Start, scope), Optional(s.Stop, scope), Optional(s.Step, scope), s.Where);
            case CallExpression c:
                return Call(c, scope);
            case FilterExpression f:
                return Filter(f, scope);
            case TestExpression t:
                return Test(t, scope) != t.Negated;
            case UnaryExpression u:
                return Unary(u, scope);
            case BinaryExpression b:
                return Binary(b, scope);
            case ConditionalExpression c:
                return TemplateValues.IsTruthy(Evaluate(c.Condition, scope)) ? Evaluate(c.Then, scope) : c.Else is null ? Undefined.Instance : Evaluate(c.Else, scope);
            default:
                throw Error(expression.Where, $"expression {expression.GetType().Name} is not supported");
        }
    }

    private long? Optional(Expression? expression, TemplateScope scope) => expression is null ? null : Evaluate(expression, scope) switch
    {
        long l => l,
        null or Undefined => null,
        var other => throw Error(expression.Where, $"slice bounds must be integers, got a {TemplateValues.TypeName(other)}"),
    };

    private string KeyOf(object? key, string where) => key switch
    {
        string s => s,
        long or double or bool => TemplateValues.Repr(key),
        _ => throw Error(where, $"a {TemplateValues.TypeName(key)} cannot be a dict key"),
    };

    private object? Call(CallExpression call, TemplateScope scope)
    {
        var callee = Evaluate(call.Callee, scope);
        if (callee is not TemplateFunction function)
        {
            var what = call.Callee switch
            {
                NameExpression n => $"'{n.Name}'",
                MemberExpression m => $"method '{m.Member}' of a {TemplateValues.TypeName(Evaluate(m.Target, scope))}",
                _ => "this value",
            };
            throw Error(call.Where, $"{what} is not a supported function or method");
        }

        var args = call.Arguments.Select(a => Evaluate(a, scope)).ToList();
        var keywords = call.Keywords.ToDictionary(k => k.Name, k => Evaluate(k.Value, scope), StringComparer.Ordinal);
        try
        {
            return function.Invoke(args, keywords);
        }
        catch (TemplateException)
        {
            throw;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidCastException or FormatException)
        {
            throw Error(call.Where, $"{function.Name}(): {e.Message}");
        }
    }

    private object? Member(object? target, string member, string where)
    {
        switch (target)
        {
            case OrderedDictionary<string, object?> dict:
                return dict.TryGetValue(member, out var value) ? value : DictMethod(dict, member) ?? (object)Undefined.Instance;
            case TemplateNamespace ns:
                return ns.Values.TryGetValue(member, out var attribute) ? attribute : Undefined.Instance;
            case string s:
                return StringMethod(s, member) ?? throw Error(where, $"string method '{member}' is not supported");
            case List<object?> list:
                return ListMethod(list, member) ?? throw Error(where, $"list method '{member}' is not supported");
            case Undefined or null:
                return Undefined.Instance;
            default:
                throw Error(where, $"a {TemplateValues.TypeName(target)} has no attribute '{member}'");
        }
    }

    private object? Index(object? target, object? key, string where)
    {
        switch (target, key)
        {
            case (OrderedDictionary<string, object?> dict, _):
                return dict.TryGetValue(KeyOf(key, where), out var value) ? value : Undefined.Instance;
            case (TemplateNamespace ns, string name):
                return ns.Values.TryGetValue(name, out var attribute) ? attribute : Undefined.Instance;
            case (List<object?> list, long i):
                var at = i < 0 ? list.Count + i : i;
                return at >= 0 && at < list.Count ? list[(int)at] : Undefined.Instance;
            case (string s, long i):
                var c = i < 0 ? s.Length + i : i;
                return c >= 0 && c < s.Length ? s[(int)c].ToString() : Undefined.Instance;
            case (string or List<object?>, string name):
                return Member(target, name, where);
            case (Undefined or null, _):
                return Undefined.Instance;
            default:
                throw Error(where, $"a {TemplateValues.TypeName(target)} cannot be indexed by a {TemplateValues.TypeName(key)}");
        }
    }

    private object? Slice(object? target, long? start, long? stop, long? step, string where)
    {
        var length = target switch
        {
            List<object?> list => list.Count,
            string s => s.Length,
            _ => throw Error(where, $"a {TemplateValues.TypeName(target)} cannot be sliced"),
        };
        var by = step ?? 1;
        if (by == 0)
        {
            throw Error(where, "slice step cannot be zero");
        }

        var indices = new List<int>();
        var from = Clamp(start ?? (by > 0 ? 0 : length - 1), length, by);
        var to = stop is null ? (by > 0 ? length : -1) : Clamp(stop.Value, length, by);
        for (var i = from; by > 0 ? i < to : i > to; i += by)
        {
            indices.Add((int)i);
        }

        return target is string text ? string.Concat(indices.Select(i => text[i])) : indices.Select(i => ((List<object?>)target!)[i]).ToList();
    }

    // Python's slice index normalization: negatives count from the end, then clamp to the valid range for the step direction.
    private static long Clamp(long index, int length, long step)
    {
        if (index < 0)
        {
            index += length;
        }

        return step > 0 ? Math.Clamp(index, 0, length) : Math.Clamp(index, -1, length - 1);
    }

    private object? Unary(UnaryExpression unary, TemplateScope scope)
    {
        var value = Evaluate(unary.Operand, scope);
        return unary.Operator switch
        {
            "not" => !TemplateValues.IsTruthy(value),
            "-" => value switch
            {
                long l => (object)(-l),
                double d => -d,
                _ => throw Error(unary.Where, $"cannot negate a {TemplateValues.TypeName(value)}"),
            },
            _ => value,
        };
    }

    private object? Binary(BinaryExpression binary, TemplateScope scope)
    {
        var left = Evaluate(binary.Left, scope);
        switch (binary.Operator)
        {
            case "and":
                return TemplateValues.IsTruthy(left) ? Evaluate(binary.Right, scope) : left;
            case "or":
                return TemplateValues.IsTruthy(left) ? left : Evaluate(binary.Right, scope);
        }

        var right = Evaluate(binary.Right, scope);
        return binary.Operator switch
        {
            "==" => TemplateValues.Equals(left, right),
            "!=" => !TemplateValues.Equals(left, right),
            "<" or ">" or "<=" or ">=" => Ordered(binary, left, right),
            "in" => Contains(right, left, binary.Where),
            "not in" => !Contains(right, left, binary.Where),
            "~" => TemplateValues.Render(left) + TemplateValues.Render(right),
            _ => Arithmetic(binary.Operator, left, right, binary.Where),
        };
    }

    private bool Ordered(BinaryExpression binary, object? left, object? right)
    {
        var order = TemplateValues.Compare(left, right)
            ?? throw Error(binary.Where, $"cannot compare a {TemplateValues.TypeName(left)} with a {TemplateValues.TypeName(right)} using '{binary.Operator}'");
        return binary.Operator switch { "<" => order < 0, ">" => order > 0, "<=" => order <= 0, _ => order >= 0 };
    }

    private bool Contains(object? container, object? item, string where) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        List<object?> list => list.Any(x => TemplateValues.Equals(x, item)),
        OrderedDictionary<string, object?> dict => item is string key && dict.ContainsKey(key),
        Undefined or null => false,
        _ => throw Error(where, $"'in' needs a string, list or dict on its right, got a {TemplateValues.TypeName(container)}"),
    };

    private object? Arithmetic(string op, object? left, object? right, string where)
    {
        switch (op, left, right)
        {
            // Python's Jinja raises TypeError here (the reference JS renders the container): typically list-of-parts
            // content given to a template written for plain string content.
            case ("+", string, List<object?> or OrderedDictionary<string, object?>) or ("+", List<object?> or OrderedDictionary<string, object?>, string):
                throw Error(where, $"cannot add a {TemplateValues.TypeName(left)} and a {TemplateValues.TypeName(right)} with '+' " +
                    "(a message whose content is a list of parts given to a template that expects plain text? pass the text as a string)");
            case ("+", string a, _):
                return a + TemplateValues.Render(right);
            case ("+", _, string b):
                return TemplateValues.Render(left) + b;
            case ("+", List<object?> a, List<object?> b):
                return a.Concat(b).ToList();
            case ("*", string s, long n):
                return string.Concat(Enumerable.Repeat(s, (int)Math.Max(0, n)));
            case (_, long a, long b) when op != "/" && op != "**":
                return op switch
                {
                    "+" => a + b,
                    "-" => a - b,
                    "*" => a * b,
                    "//" when b != 0 => (long)Math.Floor((double)a / b),
                    "%" when b != 0 => ((a % b) + b) % b,
                    _ => throw Error(where, $"integer division or modulo by zero in '{op}'"),
                };
            case (_, long or double, long or double):
                var x = Convert.ToDouble(left, CultureInfo.InvariantCulture);
                var y = Convert.ToDouble(right, CultureInfo.InvariantCulture);
                return op switch
                {
                    "+" => x + y,
                    "-" => x - y,
                    "*" => x * y,
                    "/" => x / y,
                    "//" => Math.Floor(x / y),
                    "%" => x - (y * Math.Floor(x / y)),
                    "**" when left is long && right is long && y >= 0 => (object)(long)Math.Pow(x, y),
                    _ => Math.Pow(x, y),
                };
            default:
                throw Error(where, $"operator '{op}' is not supported between a {TemplateValues.TypeName(left)} and a {TemplateValues.TypeName(right)}");
        }
    }
}
