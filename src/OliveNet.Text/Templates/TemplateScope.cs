namespace OliveNet.Text.Templates;

/// <summary>Variables of one block level; lookups fall back to the enclosing scope, assignments stay local.</summary>
internal sealed class TemplateScope(TemplateScope? parent)
{
    private readonly TemplateScope? enclosing = parent;
    private readonly Dictionary<string, object?> variables = new(StringComparer.Ordinal);

    public object? Get(string name)
    {
        for (var scope = this; scope is not null; scope = scope.enclosing)
        {
            if (scope.variables.TryGetValue(name, out var value))
            {
                return value;
            }
        }

        return Undefined.Instance;
    }

    public void Set(string name, object? value) => variables[name] = value;
}
