using System.Text.Json;
using System.Text.Json.Nodes;

namespace OliveNet.Runtime;

/// <summary>
/// Session settings recorded beside a model, in Olive's form: <c>model_config.json</c> in the model's folder holds
/// <c>config.inference_settings</c> with <c>execution_provider</c>, <c>provider_options</c> and <c>session_options</c>
/// (<c>intra_op_num_threads</c>, <c>inter_op_num_threads</c>, <c>execution_mode</c> 0 sequential / 1 parallel,
/// <c>graph_optimization_level</c> 0/1/2/99, <c>extra_session_config</c> entries). OrtSessionParamsTuning writes it;
/// evaluation applies it to every session it opens for that model, as Olive's evaluator does.
/// </summary>
/// <param name="ExecutionProvider">The provider the settings were tuned for.</param>
/// <param name="ProviderOptions">That provider's options.</param>
/// <param name="IntraOpThreads">Intra-op threads, or null for ORT's choice.</param>
/// <param name="InterOpThreads">Inter-op threads, or null for ORT's choice.</param>
/// <param name="ParallelExecution">Parallel (true) or sequential (false) execution; null leaves ORT's default.</param>
/// <param name="OptimizationLevel">Graph optimization level; null leaves ORT's default.</param>
/// <param name="ConfigEntries">Session config entries such as <c>session.intra_op.allow_spinning</c>.</param>
public sealed record InferenceSettings(
    string ExecutionProvider,
    IReadOnlyDictionary<string, string> ProviderOptions,
    int? IntraOpThreads,
    int? InterOpThreads,
    bool? ParallelExecution,
    GraphOptimizationLevel? OptimizationLevel,
    IReadOnlyDictionary<string, string> ConfigEntries)
{
    /// <summary>The sidecar's file name (Olive's).</summary>
    public const string FileName = "model_config.json";

    /// <summary>The settings recorded in <paramref name="modelFolder"/>, or null when it has no model_config.json with inference_settings.</summary>
    /// <exception cref="InvalidDataException">The file is there but not in Olive's form; the message says what is wrong.</exception>
    public static InferenceSettings? Load(string modelFolder)
    {
        var path = Path.Combine(modelFolder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            if (JsonNode.Parse(File.ReadAllText(path))?["config"]?["inference_settings"] is not JsonObject settings)
            {
                return null;
            }

            var providers = settings["execution_provider"] as JsonArray;
            var provider = providers?.FirstOrDefault()?.GetValue<string>() ?? "CPUExecutionProvider";
            var options = (settings["provider_options"] as JsonArray)?.FirstOrDefault() as JsonObject;
            var session = settings["session_options"] as JsonObject ?? [];
            var extra = session["extra_session_config"] as JsonObject ?? [];
            return new InferenceSettings(
                provider,
                Strings(options),
                session["intra_op_num_threads"]?.GetValue<int>(),
                session["inter_op_num_threads"]?.GetValue<int>(),
                session["execution_mode"]?.GetValue<int>() is { } mode ? mode == 1 : null,
                session["graph_optimization_level"]?.GetValue<int>() is { } level ? (GraphOptimizationLevel)level : null,
                Strings(extra));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: config.inference_settings is not in Olive's form ({e.Message}); remove the file or rerun OrtSessionParamsTuning.", e);
        }
    }

    /// <summary>Applies the session settings to <paramref name="options"/> (threads, mode, level, config entries; the provider's options when <paramref name="executionProvider"/> is the tuned one).</summary>
    /// <returns>The provider options to append <paramref name="executionProvider"/> with (empty when the settings were tuned for another provider).</returns>
    public IReadOnlyDictionary<string, string> ApplyTo(SessionOptions options, string executionProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (IntraOpThreads is { } intra)
        {
            options.IntraOpThreads = intra;
        }

        if (InterOpThreads is { } inter)
        {
            options.InterOpThreads = inter;
        }

        if (ParallelExecution is { } parallel)
        {
            options.ParallelExecution = parallel;
        }

        if (OptimizationLevel is { } level)
        {
            options.OptimizationLevel = level;
        }

        foreach (var (key, value) in ConfigEntries)
        {
            options.AddConfigEntry(key, value);
        }

        return string.Equals(executionProvider, ExecutionProvider, StringComparison.Ordinal) ? ProviderOptions : new Dictionary<string, string>();
    }

    /// <summary>Writes <see cref="FileName"/> into <paramref name="modelFolder"/> (temp file + rename) for the model file <paramref name="onnxFileName"/>.</summary>
    public void Save(string modelFolder, string onnxFileName)
    {
        var session = new JsonObject();
        if (ExecutionMode is { } mode)
        {
            session["execution_mode"] = mode;
        }

        if (OptimizationLevel is { } level)
        {
            session["graph_optimization_level"] = (int)level;
        }

        if (InterOpThreads is { } inter)
        {
            session["inter_op_num_threads"] = inter;
        }

        if (IntraOpThreads is { } intra)
        {
            session["intra_op_num_threads"] = intra;
        }

        if (ConfigEntries.Count > 0)
        {
            session["extra_session_config"] = Object(ConfigEntries);
        }

        var document = new JsonObject
        {
            ["type"] = "ONNXModel",
            ["config"] = new JsonObject
            {
                ["model_path"] = ".",
                ["onnx_file_name"] = onnxFileName,
                ["inference_settings"] = new JsonObject
                {
                    ["execution_provider"] = new JsonArray(ExecutionProvider),
                    ["provider_options"] = new JsonArray(Object(ProviderOptions)),
                    ["io_bind"] = false,
                    ["session_options"] = session,
                },
            },
        };
        WriteJson(Path.Combine(modelFolder, FileName), document);
    }

    /// <summary>Olive's execution_mode number: 0 sequential, 1 parallel; null when unset.</summary>
    public int? ExecutionMode => ParallelExecution is { } parallel ? (parallel ? 1 : 0) : null;

    /// <summary>Writes indented JSON to <paramref name="path"/> through a temp file and a rename.</summary>
    public static void WriteJson(string path, JsonNode document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var temp = path + $".tmp-{Guid.NewGuid():N}";
        File.WriteAllText(temp, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temp, path, overwrite: true);
    }

    private static JsonObject Object(IReadOnlyDictionary<string, string> values) =>
        new(values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));

    private static Dictionary<string, string> Strings(JsonObject? values) =>
        (values ?? []).ToDictionary(kv => kv.Key, kv => kv.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : kv.Value?.ToJsonString() ?? string.Empty, StringComparer.Ordinal);
}
