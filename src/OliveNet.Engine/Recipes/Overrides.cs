using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

/// <summary>Applies <c>--set key.path=value</c> to a recipe tree before it is validated, creating mappings on the way.</summary>
internal static class Overrides
{
    public static void Apply(YamlMappingNode root, string item, HashSet<YamlNode> overridden, List<RecipeError> errors)
    {
        var eq = item.IndexOf('=', StringComparison.Ordinal);
        var path = eq > 0 ? item[..eq].Trim() : string.Empty;
        if (path.Length == 0 || path.Split('.').Any(p => p.Length == 0))
        {
            errors.Add(new RecipeError(path, $"'--set {item}' is not key.path=value, e.g. --set output_dir=out/release", "--set", 0, 0));
            return;
        }

        var keys = path.Split('.');
        var map = root;
        for (var i = 0; i < keys.Length - 1; i++)
        {
            var key = new YamlScalarNode(keys[i]);
            if (!map.Children.TryGetValue(key, out var next))
            {
                next = new YamlMappingNode();
                map.Children[key] = next;
                overridden.Add(next);
                overridden.Add(key);
            }

            if (next is not YamlMappingNode inner)
            {
                errors.Add(new RecipeError(path, $"'{string.Join('.', keys[..(i + 1)])}' is not a mapping, so '--set {item}' cannot set a key inside it", "--set", 0, 0));
                return;
            }

            map = inner;
        }

        var value = new YamlScalarNode(item[(eq + 1)..]);
        var last = new YamlScalarNode(keys[^1]);
        if (!map.Children.ContainsKey(last))
        {
            // A key the recipe does not have: a problem with it (a misspelling) is the --set's, not the file's.
            overridden.Add(last);
        }

        map.Children[last] = value;
        overridden.Add(value);
    }
}
