using System.Text.Json.Nodes;
using OliveNet.Engine.Passes;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

/// <summary>
/// Expands one pass entry into its search points: an option written as a list of values (for a list-typed option, a
/// list of lists), <c>SEARCHABLE_VALUES</c>, and—when <c>include_pass_params</c> is on—the pass's own search candidates
/// for options the recipe leaves unset. Points the pass rejects are pruned with a note, as Olive prunes invalid configs.
/// </summary>
internal static class SearchSpace
{
    public static List<object>? Expand(
        RecipeReader reader, IPass pass, JsonObject options, Dictionary<string, YamlNode> marks, YamlMappingNode map, string path,
        Target target, List<string> notes, Search.SearchSpec? search)
    {
        var infos = PassOptions.Describe(pass.OptionsType).ToDictionary(o => o.Key, StringComparer.Ordinal);
        var fixedValues = new JsonObject();
        var dimensions = new List<(string Key, List<JsonNode?> Values)>();
        var unsearchable = false;
        foreach (var (key, value) in options)
        {
            var info = infos.GetValueOrDefault(key);
            var where = RecipeReader.Join(path, key);
            List<JsonNode?>? values = null;
            if (value is JsonValue v && v.TryGetValue<string>(out var text) && text == "SEARCHABLE_VALUES")
            {
                values = info?.CandidatesJson.Select(c => JsonNode.Parse(c)).ToList() ?? [];
                if (values.Count == 0)
                {
                    reader.Error(marks.GetValueOrDefault(key), where, "SEARCHABLE_VALUES: this option has no search candidates; list the values to try");
                    unsearchable = true;
                    continue;
                }
            }
            else if (value is JsonArray list && info is not null && Depth(list) > info.ArrayDepth)
            {
                values = list.Select(e => e?.DeepClone()).ToList();
            }

            if (values is null)
            {
                fixedValues[key] = value?.DeepClone();
                continue;
            }

            if (search is null)
            {
                reader.Error(marks.GetValueOrDefault(key), where, values.Count == 1
                    ? $"is a list around one value, which is a search space of one point: give the value itself{(info?.ArrayDepth > 0 ? $" ({info.Key} takes {Lists(info.ArrayDepth)})" : string.Empty)}"
                    : $"lists {values.Count} values, which is a search space: set search_strategy (and an evaluator), or give one value");
                unsearchable = true;
                continue;
            }

            dimensions.Add((key, values));
        }

        if (search is { IncludePassParams: true })
        {
            dimensions.AddRange(infos.Values.Where(i => !options.ContainsKey(i.Key) && i.CandidatesJson.Count > 0)
                .Select(i => (i.Key, i.CandidatesJson.Select(c => JsonNode.Parse(c)).ToList())));
        }

        var points = new List<JsonObject> { fixedValues };
        foreach (var (key, values) in dimensions)
        {
            points = points.SelectMany(p => values.Select(value =>
            {
                var next = (JsonObject)p.DeepClone();
                next[key] = value?.DeepClone();
                return next;
            })).ToList();
        }

        var reported = new HashSet<string>(StringComparer.Ordinal);
        var bound = new List<object>();
        var pruned = new List<string>();
        foreach (var point in points)
        {
            var failedKeys = new HashSet<string>(StringComparer.Ordinal);
            var options1 = PassOptions.Bind(pass.OptionsType, point, (key, message) =>
            {
                failedKeys.Add(key);
                if (reported.Add($"{key}\n{message}"))
                {
                    reader.Error(marks.GetValueOrDefault(key) ?? map, RecipeReader.Join(path, key), message);
                }
            });
            if (failedKeys.Count > 0 || options1 is null || unsearchable)
            {
                // Still check the options that did bind, so every problem of the pass is listed at once.
                var rest = (JsonObject)point.DeepClone();
                foreach (var key in failedKeys)
                {
                    rest.Remove(key);
                }

                if (PassOptions.Bind(pass.OptionsType, rest, (_, _) => { }) is { } partial)
                {
                    foreach (var problem in pass.Validate(partial, target)
                        .Where(p => !failedKeys.Any(k => p.Contains(k, StringComparison.Ordinal)) && reported.Add($"\n{p}")))
                    {
                        reader.Error(map, path, problem);
                    }
                }

                continue;
            }

            var problems = pass.Validate(options1, target);
            if (problems.Count == 0)
            {
                bound.Add(options1);
            }
            else if (points.Count == 1)
            {
                foreach (var problem in problems)
                {
                    reader.Error(map, path, problem);
                }
            }
            else
            {
                pruned.Add($"{Describe(point, dimensions)} ({problems[0]})");
            }
        }

        if (pruned.Count > 0)
        {
            notes.Add($"{path}: {pruned.Count} of {points.Count} search points pruned as invalid: {string.Join("; ", pruned)}");
        }

        if (bound.Count == 0 && points.Count > 1 && reported.Count == 0)
        {
            reader.Error(map, path, "every search point of this pass is invalid; see the notes");
        }

        return reader.Errors.Count > 0 && bound.Count == 0 ? null : bound;
    }

    private static int Depth(JsonNode? node) => node is JsonArray list ? 1 + (list.Count == 0 ? 0 : list.Max(Depth)) : 0;

    private static string Lists(int depth) => depth == 1 ? "a list" : "a list of lists";

    private static string Describe(JsonObject point, List<(string Key, List<JsonNode?> Values)> dimensions) =>
        string.Join(", ", dimensions.Select(d => $"{d.Key}={point[d.Key]?.ToJsonString() ?? "null"}"));
}
