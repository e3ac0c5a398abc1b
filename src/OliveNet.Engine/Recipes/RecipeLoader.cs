using System.Security.Cryptography;
using OliveNet.Engine.Passes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

/// <summary>
/// YAML/JSON recipe → validated <see cref="Recipe"/>. Follows Olive's run-config schema: engine keys may sit at the top
/// level or under <c>engine</c>; pass parameters may be flat or under <c>config</c>; pass types are case-insensitive.
/// Every problem is collected and thrown at once as a <see cref="RecipeException"/>.
/// </summary>
public sealed partial class RecipeLoader
{
    internal static readonly string[] TopLevelKeys =
    [
        "workflow_id", "input_model", "systems", "data_configs", "evaluators", "passes", "search_strategy", "host", "target",
        "evaluator", "evaluate_input_model", "cache_dir", "output_dir", "clean_cache", "clean_evaluation_cache",
        "log_severity_level", "ort_log_severity_level", "ort_py_log_severity_level", "log_to_file", "plot_pareto_frontier",
        "no_artifacts", "enable_shared_cache", "cache_config", "packaging_config", "engine", "azureml_client", "builds",
        "max_concurrent_builds", "auto_optimizer_config", "gate", "model_card_template", "min_fidelity",
    ];

    /// <summary>Keys that say where and how to run, not what to produce: left out of the manifest's overrides.</summary>
    private static readonly string[] OperationalKeys =
    [
        "cache_dir", "output_dir", "clean_cache", "clean_evaluation_cache", "log_severity_level", "ort_log_severity_level",
        "ort_py_log_severity_level", "log_to_file", "engine.cache_dir", "engine.output_dir", "engine.clean_cache", "engine.log_severity_level",
    ];

    private readonly PassRegistry _passes;

    /// <summary>Creates a loader that resolves pass types against <paramref name="passes"/>.</summary>
    public RecipeLoader(PassRegistry passes)
    {
        _passes = passes;
    }

    /// <summary>Loads and validates a recipe file.</summary>
    /// <param name="path">The YAML or JSON file.</param>
    /// <param name="overrides"><c>key.path=value</c> strings applied before validation (as <c>--set</c> does).</param>
    /// <param name="environment">Variables for <c>${NAME}</c> references; default: the process environment.</param>
    /// <exception cref="RecipeException">The recipe is invalid; every problem is listed.</exception>
    public Recipe Load(string path, IReadOnlyList<string>? overrides = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new RecipeException([new RecipeError(string.Empty, $"recipe file not found (looked at {full})", path, 0, 0)]);
        }

        var text = File.ReadAllText(full);
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode map
                ? map
                : throw new RecipeException([new RecipeError(string.Empty, "expected one document whose top level is a mapping (key: value lines)", path, 1, 1)]);
        }
        catch (YamlException e)
        {
            throw new RecipeException([new RecipeError(string.Empty, $"not valid YAML or JSON: {e.InnerException?.Message ?? e.Message}", path, (int)e.Start.Line, (int)e.Start.Column)]);
        }

        var overridden = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        var preErrors = new List<RecipeError>();
        foreach (var item in overrides ?? [])
        {
            Overrides.Apply(root, item, overridden, preErrors);
        }

        var env = environment ?? Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
        var reader = new RecipeReader(path, env, overridden);
        reader.Errors.AddRange(preErrors);
        var recipe = Build(reader, root, full, overrides ?? []);
        if (reader.Errors.Count > 0 || recipe is null)
        {
            throw new RecipeException(reader.Errors
                .OrderBy(e => e.File == "--set" ? 0 : 1).ThenBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }

        return recipe;
    }

    private Recipe? Build(RecipeReader reader, YamlMappingNode root, string fullPath, IReadOnlyList<string> overrides)
    {
        var keys = Flatten(reader, root);
        var folder = System.IO.Path.GetDirectoryName(fullPath)!;
        var notes = new List<string>();

        foreach (var (key, (node, _)) in keys)
        {
            Refuse(reader, key, node, notes);
        }

        var workflowId = keys.TryGetValue("workflow_id", out var wf) ? reader.String(wf.Node, "workflow_id") : "default_workflow";
        if (workflowId is not null && !SafeName().IsMatch(workflowId))
        {
            reader.Error(wf.Node, "workflow_id", $"'{workflowId}' names a cache folder: use letters, digits, '.', '-' and '_' only");
        }

        var refusedSystems = new HashSet<string>(StringComparer.Ordinal);
        var systems = keys.TryGetValue("systems", out var sys) ? ReadSystems(reader, sys.Node, refusedSystems) : new Dictionary<string, Target>();
        var target = keys.TryGetValue("target", out var t) ? ReadSystemReference(reader, t.Node, "target", systems, refusedSystems) : Target.Cpu;
        var host = keys.TryGetValue("host", out var h) ? ReadSystemReference(reader, h.Node, "host", systems, refusedSystems) : Target.Cpu;
        var input = keys.TryGetValue("input_model", out var im)
            ? ReadInputModel(reader, im.Node, folder)
            : Missing<InputModelSpec>(reader, root, "input_model", "the source model: input_model: {type: ONNXModel, model_path: model.onnx}");
        var refusedData = new HashSet<string>(StringComparer.Ordinal);
        var data = keys.TryGetValue("data_configs", out var dc) && !RecipeReader.IsNull(dc.Node) ? ReadDataConfigs(reader, dc.Node, folder, refusedData) : [];
        var errorsBeforeEvaluator = reader.Errors.Count;
        var evaluator = ReadEvaluator(reader, keys.GetValueOrDefault("evaluator").Node, keys.GetValueOrDefault("evaluators").Node, new DataScope(data, refusedData), notes);
        // A refused evaluator has its own errors; a search or an evaluation-only recipe needs no second one.
        var evaluatorRefused = evaluator is null && reader.Errors.Count > errorsBeforeEvaluator;
        var search = keys.TryGetValue("search_strategy", out var ss) ? ReadSearch(reader, ss.Node) : null;
        if (search is not null && evaluator is null && !evaluatorRefused)
        {
            reader.Error(ss.Node, "search_strategy", "needs an evaluator to compare candidates: set evaluator: <name of an evaluators entry>");
        }

        var (cacheRoot, sharedCache) = ReadCacheDir(reader, keys.GetValueOrDefault("cache_dir").Node, folder);
        var passData = new PassDataContext(data, System.IO.Path.Combine(cacheRoot ?? "cache", workflowId ?? "default_workflow", "data"), refusedData);
        var passes = keys.TryGetValue("passes", out var ps) && !(ps.Node is YamlMappingNode { Children.Count: 0 } || RecipeReader.IsNull(ps.Node))
            ? ReadPasses(reader, ps.Node, target ?? Target.Cpu, notes, search, passData, folder, input)
            : ps.Node is null && evaluator is null && !evaluatorRefused
                ? Missing<IReadOnlyList<PassStep>>(reader, root, "passes", NoPasses)
                : EvaluationOnly(reader, ps.Node ?? root, input, evaluator is not null, evaluatorRefused, search is not null, notes);

        var cacheDir = cacheRoot;
        var outputDir = keys.TryGetValue("output_dir", out var od) && !RecipeReader.IsNull(od.Node)
            ? Resolve(folder, reader.String(od.Node, "output_dir"))
            : System.IO.Path.GetFullPath(System.IO.Path.Combine("output", workflowId ?? "default_workflow"));
        var cleanCache = keys.TryGetValue("clean_cache", out var cc) ? reader.Bool(cc.Node, "clean_cache") : false;
        var logLevel = keys.TryGetValue("log_severity_level", out var ll) ? reader.Integer(ll.Node, "log_severity_level") : 1;
        var evaluateInput = keys.TryGetValue("evaluate_input_model", out var ei) ? reader.Bool(ei.Node, "evaluate_input_model") : true;
        var gate = keys.TryGetValue("gate", out var g) ? reader.Bool(g.Node, "gate") : true;
        var minFidelity = keys.TryGetValue("min_fidelity", out var mf) ? Fraction(reader, mf.Node, "min_fidelity") : Recipe.DefaultMinFidelity;
        var cleanEvaluations = keys.TryGetValue("clean_evaluation_cache", out var ce) ? reader.Bool(ce.Node, "clean_evaluation_cache") : false;
        var template = keys.TryGetValue("model_card_template", out var mt) ? Resolve(folder, reader.String(mt.Node, "model_card_template")) : null;
        if (template is not null && !File.Exists(template))
        {
            reader.Error(mt.Node, "model_card_template", $"file {template} does not exist");
        }

        if (reader.Errors.Count > 0 || input is null || passes is null || target is null || host is null
            || workflowId is null || cacheDir is null || outputDir is null)
        {
            return null;
        }

        return new Recipe
        {
            SourcePath = fullPath,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(fullPath))),
            Overrides = overrides.Where(o => !OperationalKeys.Contains(o.Split('=', 2)[0].Trim())).ToList(),
            WorkflowId = workflowId,
            InputModel = input,
            Target = target,
            Host = host,
            Passes = passes,
            CacheDir = cacheDir,
            SharedCache = sharedCache,
            OutputDir = outputDir,
            CleanCache = cleanCache ?? false,
            LogSeverityLevel = (int)(logLevel ?? 1),
            EvaluateInputModel = evaluateInput ?? true,
            DataConfigs = data,
            Evaluator = evaluator,
            Search = search,
            Gate = gate ?? true,
            MinFidelity = minFidelity ?? Recipe.DefaultMinFidelity,
            CleanEvaluationCache = cleanEvaluations ?? false,
            ModelCardTemplate = template,
            PassDataFolders = passData.Used,
            Notes = notes,
        };
    }

    /// <summary>Top-level keys plus those under <c>engine</c> (Olive allows both), each once.</summary>
    private static Dictionary<string, (YamlNode Node, YamlNode Key)> Flatten(RecipeReader reader, YamlMappingNode root)
    {
        var keys = new Dictionary<string, (YamlNode, YamlNode)>(StringComparer.Ordinal);
        foreach (var (key, value) in reader.Entries(root, string.Empty, TopLevelKeys))
        {
            if (key == "engine")
            {
                if (reader.Mapping(value, "engine") is { } engine)
                {
                    foreach (var (inner, innerValue) in reader.Entries(engine, "engine", TopLevelKeys))
                    {
                        if (!keys.TryAdd(inner, (innerValue, innerValue)))
                        {
                            reader.Error(innerValue, $"engine.{inner}", "is also given at the top level; keep one");
                        }
                    }
                }

                continue;
            }

            if (!keys.TryAdd(key, (value, value)))
            {
                reader.Error(value, key, "is also given under engine; keep one");
            }
        }

        return keys;
    }

    /// <summary>A number from 0 to 1 (<c>min_fidelity</c>); an error and null otherwise.</summary>
    private static double? Fraction(RecipeReader reader, YamlNode node, string path)
    {
        var text = reader.String(node, path);
        if (text is not null && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1)
        {
            return value;
        }

        if (text is not null)
        {
            reader.Error(node, path, $"expected a number from 0 to 1 (0 turns the fidelity gate off), got '{text}'");
        }

        return null;
    }

    private static string? Resolve(string folder, string? path) =>
        path is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, path));

    /// <summary>Reports a missing required key, unless a misspelling of it (reported as an unknown key) explains it.</summary>
    private const string NoPasses = "an ordered mapping of pass name → {type: ..., options}. Without passes Olive evaluates the input model "
        + "(give an evaluator to do that) or picks passes itself (its auto-optimizer, which OliveNet does not have)";

    /// <summary>
    /// A run config without passes (or with <c>passes: {}</c>): Olive then evaluates the input model with the evaluator and
    /// stops, and so does OliveNet (no passes, the input model is the only candidate). Without an evaluator Olive would pick
    /// passes itself (its auto-optimizer), which OliveNet does not do.
    /// </summary>
    private static IReadOnlyList<PassStep>? EvaluationOnly(
        RecipeReader reader, YamlNode node, InputModelSpec? input, bool hasEvaluator, bool evaluatorRefused, bool hasSearch, List<string> notes)
    {
        if (evaluatorRefused)
        {
            return null; // the named evaluator is refused, with its own errors
        }

        if (!hasEvaluator)
        {
            reader.Error(node, "passes", $"is required: {NoPasses}");
            return null;
        }

        if (hasSearch)
        {
            reader.Error(node, "passes", "is empty, so there is nothing for search_strategy to search: list passes, or remove search_strategy to only evaluate the input model");
            return null;
        }

        if (input is { Type: "HfModel" })
        {
            reader.Error(node, "passes", "is empty, so the recipe only evaluates its input model, but a Hugging Face checkpoint is a PyTorch model: PyTorch inputs are not supported by "
                + "OliveNet's evaluator; add a ModelBuilder pass to evaluate the exported ONNX model");
            return null;
        }

        notes.Add("no passes: the recipe evaluates the input model only (as Olive does without passes); the published model is the input model");
        return [];
    }

    private static T? Missing<T>(RecipeReader reader, YamlMappingNode root, string key, string what)
        where T : class
    {
        var engine = RecipeReader.Child(root, "engine") as YamlMappingNode;
        var given = root.Children.Keys.Concat(engine?.Children.Keys ?? []).OfType<YamlScalarNode>().Select(k => k.Value ?? string.Empty);
        if (!given.Any(k => !TopLevelKeys.Contains(k) && DidYouMean.Closest(k, TopLevelKeys) == key))
        {
            reader.Error(root, key, $"is required: {what}");
        }

        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial System.Text.RegularExpressions.Regex SafeName();
}
