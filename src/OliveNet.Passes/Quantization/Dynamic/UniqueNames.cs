using OliveNet.Onnx;

namespace OliveNet.Passes.Quantization.Dynamic;

/// <summary>
/// Hands out node and value names not yet used anywhere in a model: the wanted name, else the first free
/// <c>{name}_1</c>, <c>{name}_2</c>, …, so the same model always gets the same names.
/// </summary>
internal sealed class UniqueNames
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>Collects every node, value and initializer name of every graph of <paramref name="model"/>.</summary>
    public UniqueNames(OnnxModel model)
    {
        foreach (var g in model.AllGraphs())
        {
            var p = g.Proto;
            _used.UnionWith(p.Input.Select(v => v.Name));
            _used.UnionWith(p.Output.Select(v => v.Name));
            _used.UnionWith(p.ValueInfo.Select(v => v.Name));
            _used.UnionWith(p.Initializer.Select(t => t.Name));
            foreach (var n in p.Node)
            {
                _used.Add(n.Name);
                _used.UnionWith(n.Output);
            }
        }
    }

    /// <summary>Reserves and returns <paramref name="wanted"/> or the first free numbered variant of it.</summary>
    public string Take(string wanted)
    {
        if (_used.Add(wanted))
        {
            return wanted;
        }

        for (var i = 1; ; i++)
        {
            var candidate = $"{wanted}_{i}";
            if (_used.Add(candidate))
            {
                return candidate;
            }
        }
    }
}
