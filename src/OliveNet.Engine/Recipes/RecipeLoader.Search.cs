using OliveNet.Engine.Search;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

public sealed partial class RecipeLoader
{
    /// <summary>Reads <c>search_strategy</c>: false or null = no search; true = Olive's defaults; a mapping = settings.</summary>
    private static SearchSpec? ReadSearch(RecipeReader reader, YamlNode node)
    {
        if (RecipeReader.IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode)
        {
            return reader.Bool(node, "search_strategy") == true ? new SearchSpec() : null;
        }

        if (reader.Mapping(node, "search_strategy") is not { } map)
        {
            return null;
        }

        var spec = new SearchSpec();
        foreach (var (key, value) in reader.Entries(map, "search_strategy", SearchSpec.Keys))
        {
            var path = $"search_strategy.{key}";
            switch (key)
            {
                case "execution_order":
                    spec = spec with { ExecutionOrder = OneOf(reader, value, path, SearchSpec.ExecutionOrders) ?? spec.ExecutionOrder };
                    break;
                case "sampler" or "search_algorithm":
                    var sampler = reader.String(value, path)?.ToLowerInvariant();
                    sampler = sampler == "exhaustive" ? "sequential" : sampler;
                    if (sampler is not null && !SearchSpec.Samplers.Contains(sampler))
                    {
                        reader.Error(value, path, $"'{sampler}' is not a sampler{DidYouMean.Hint(sampler, SearchSpec.Samplers)}; use one of {string.Join(", ", SearchSpec.Samplers)}");
                    }

                    spec = spec with { Sampler = sampler ?? spec.Sampler };
                    break;
                case "max_samples":
                    spec = spec with { MaxSamples = (int)(NonNegative(reader, value, path) ?? 0) };
                    break;
                case "seed":
                    spec = spec with { Seed = (int)(reader.Integer(value, path) ?? 1) };
                    break;
                case "stop_when_goals_met":
                    spec = spec with { StopWhenGoalsMet = reader.Bool(value, path) ?? false };
                    break;
                case "max_iter":
                    spec = spec with { MaxIter = (int)(NonNegative(reader, value, path) ?? 0) };
                    break;
                case "max_time":
                    spec = spec with { MaxTime = NonNegative(reader, value, path) ?? 0 };
                    break;
                case "include_pass_params":
                    spec = spec with { IncludePassParams = reader.Bool(value, path) ?? true };
                    break;
                case "max_space_size":
                    spec = spec with { MaxSpaceSize = (int)(NonNegative(reader, value, path) ?? 256) };
                    break;
            }
        }

        return spec;
    }

    private static string? OneOf(RecipeReader reader, YamlNode node, string path, IReadOnlyList<string> allowed)
    {
        var text = reader.String(node, path);
        if (text is not null && !allowed.Contains(text))
        {
            reader.Error(node, path, $"'{text}' is not one of {string.Join(", ", allowed)}{DidYouMean.Hint(text, allowed)}");
            return null;
        }

        return text;
    }

    private static double? NonNegative(RecipeReader reader, YamlNode node, string path)
    {
        var text = node is YamlScalarNode s ? s.Value : null;
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 0)
        {
            return value;
        }

        reader.Error(node, path, $"expected a number of 0 or more, got {RecipeReader.Kind(node)}");
        return null;
    }
}
