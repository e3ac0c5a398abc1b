using System.Text;

namespace OliveNet.Text.Templates;

/// <summary>
/// Renders a parsed template. Errors become <see cref="TemplateException"/>s naming the template, the line:column
/// of the construct and what went wrong. One instance per render; not thread-safe.
/// </summary>
internal sealed partial class TemplateInterpreter(string name)
{
    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public string Render(IReadOnlyList<Statement> body, TemplateScope scope)
    {
        var output = new StringBuilder();
        Execute(body, scope, output);
        return output.ToString();
    }

    private Flow Execute(IReadOnlyList<Statement> body, TemplateScope scope, StringBuilder output)
    {
        foreach (var statement in body)
        {
            var flow = ExecuteOne(statement, scope, output);
            if (flow != Flow.Normal)
            {
                return flow;
            }
        }

        return Flow.Normal;
    }

    private Flow ExecuteOne(Statement statement, TemplateScope scope, StringBuilder output)
    {
        switch (statement)
        {
            case TextStatement text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputStatement o:
                output.Append(TemplateValues.Render(Evaluate(o.Value, scope)));
                return Flow.Normal;
            case IfStatement i:
                return Execute(TemplateValues.IsTruthy(Evaluate(i.Condition, scope)) ? i.Body : i.Else, scope, output);
            case ForStatement f:
                return ExecuteFor(f, scope, output);
            case SetStatement s:
                Assign(s.Target, s.Value is null ? Render(s.Body!, new TemplateScope(scope)) : Evaluate(s.Value, scope), scope, s.Where);
                return Flow.Normal;
            case MacroStatement m:
                scope.Set(m.Name, DefineMacro(m, scope));
                return Flow.Normal;
            case LoopControlStatement l:
                return l.Break ? Flow.Break : Flow.Continue;
            default:
                throw Error(statement.Where, $"statement {statement.GetType().Name} is not supported");
        }
    }

    private Flow ExecuteFor(ForStatement loop, TemplateScope scope, StringBuilder output)
    {
        var source = Iterate(Evaluate(loop.Iterable, scope), loop.Where);
        var items = new List<object?>(source.Count);
        foreach (var item in source)
        {
            if (loop.Filter is null)
            {
                items.Add(item);
                continue;
            }

            var probe = new TemplateScope(scope);
            Bind(loop.Targets, item, probe, loop.Where);
            if (TemplateValues.IsTruthy(Evaluate(loop.Filter, probe)))
            {
                items.Add(item);
            }
        }

        if (items.Count == 0)
        {
            return Execute(loop.Else, new TemplateScope(scope), output);
        }

        for (var i = 0; i < items.Count; i++)
        {
            var iteration = new TemplateScope(scope);
            Bind(loop.Targets, items[i], iteration, loop.Where);
            iteration.Set("loop", LoopObject(items, i));
            if (Execute(loop.Body, iteration, output) == Flow.Break)
            {
                break;
            }
        }

        return Flow.Normal;
    }

    private static OrderedDictionary<string, object?> LoopObject(List<object?> items, int i)
    {
        var loop = TemplateValues.ToDictionary([
            ("index", (long)(i + 1)), ("index0", (long)i), ("revindex", (long)(items.Count - i)), ("revindex0", (long)(items.Count - i - 1)),
            ("first", i == 0), ("last", i == items.Count - 1), ("length", (long)items.Count),
            ("previtem", i > 0 ? items[i - 1] : Undefined.Instance), ("nextitem", i + 1 < items.Count ? items[i + 1] : Undefined.Instance)]);
        loop["cycle"] = new TemplateFunction("loop.cycle", (args, _) => args.Count == 0 ? Undefined.Instance : args[i % args.Count]);
        return loop;
    }

    private void Bind(IReadOnlyList<string> targets, object? item, TemplateScope scope, string where)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], item);
            return;
        }

        var values = Iterate(item, where);
        if (values.Count != targets.Count)
        {
            throw Error(where, $"cannot unpack {values.Count} value(s) into {targets.Count} loop variables");
        }

        for (var i = 0; i < targets.Count; i++)
        {
            scope.Set(targets[i], values[i]);
        }
    }

    private void Assign(Expression target, object? value, TemplateScope scope, string where)
    {
        switch (target)
        {
            case NameExpression n:
                scope.Set(n.Name, value);
                break;
            case MemberExpression { Target: var owner, Member: var member }:
                switch (Evaluate(owner, scope))
                {
                    case TemplateNamespace ns:
                        ns.Values[member] = value;
                        break;
                    case var other:
                        throw Error(where, $"cannot set attribute '{member}' on a {TemplateValues.TypeName(other)} (only on a namespace())");
                }

                break;
            case ListExpression { Items: var names }:
                var values = Iterate(value, where);
                if (values.Count != names.Count)
                {
                    throw Error(where, $"cannot unpack {values.Count} value(s) into {names.Count} names");
                }

                for (var i = 0; i < names.Count; i++)
                {
                    Assign(names[i], values[i], scope, where);
                }

                break;
            default:
                throw Error(where, "the target of set must be a name, a namespace attribute or a tuple of names");
        }
    }

    private TemplateFunction DefineMacro(MacroStatement macro, TemplateScope definition) => new(macro.Name, (args, keywords) =>
    {
        var call = new TemplateScope(definition);
        for (var i = 0; i < macro.Parameters.Count; i++)
        {
            var (parameter, fallback) = macro.Parameters[i];
            var value = i < args.Count ? args[i]
                : keywords.TryGetValue(parameter, out var keyword) ? keyword
                : fallback is null ? Undefined.Instance : Evaluate(fallback, call);
            call.Set(parameter, value);
        }

        return Render(macro.Body, call);
    });

    /// <summary>The items a for loop (or a filter) sees: list items, dict keys, string characters.</summary>
    private List<object?> Iterate(object? value, string where) => value switch
    {
        List<object?> list => list,
        OrderedDictionary<string, object?> dict => [.. dict.Keys],
        string s => [.. s.Select(c => (object?)c.ToString())],
        Undefined or null => [],
        _ => throw Error(where, $"a {TemplateValues.TypeName(value)} is not iterable"),
    };

    private TemplateException Error(string where, string problem) => new($"{name}:{where}: {problem}");
}
