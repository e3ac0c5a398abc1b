using System.Text.Json.Nodes;

namespace OliveNet.Engine.Recipes;

public static partial class RecipeSchema
{
    private const string Ignored = "Accepted for Olive compatibility; OliveNet does not use it.";

    private static JsonObject TopLevel(string key) => key switch
    {
        "workflow_id" => new JsonObject
        {
            ["description"] = "Names the workflow: its cache lives in <cache_dir>/<workflow_id> and its result goes to "
                + "./output/<workflow_id> unless output_dir is given. Letters, digits, '.', '-' and '_' only.",
            ["type"] = "string",
            ["pattern"] = "^[A-Za-z0-9._-]+$",
            ["default"] = "default_workflow",
        },
        "input_model" => Ref("input_model"),
        "systems" => new JsonObject
        {
            ["description"] = "Named systems that host and target refer to. Only LocalSystem exists: OliveNet runs every "
                + "pass in its own process.",
            ["type"] = "object",
            ["additionalProperties"] = Ref("system"),
        },
        "data_configs" => new JsonObject
        {
            ["description"] = "Olive data configs: each {name, load_dataset_config, pre_process_data_config, dataloader_config, "
                + "post_process_data_config}, every component {type, params}. Built in: load " + string.Join("/", Data.DataPipeline.LoadTypes)
                + " (huggingface_dataset only for data_name audiofolder with a local data_dir); pre-process image_transform/tokenize_text (text: tokenizer, max_length, strategy join/sliding/line-by-line, stride)/"
                + "speech_transcription_pre_process (speech: audio_col, text_col, id_col, sample_rate, limit or max_samples); dataloader " + string.Join("/", Data.DataPipeline.DataLoaderTypes)
                + "; post-process " + string.Join("/", Data.OutputDecoder.Types)
                + ". A component (or its type) left out takes the default of the config's container type, as in Olive (DummyDataContainer: "
                + "dummy_dataset and no_auto_batch_dataloader; otherwise default_dataloader, and no pre- or post-processing). "
                + "Python scripts (user_script, script_dir) are refused.",
            ["type"] = "array",
            ["items"] = new JsonObject { ["type"] = "object", ["required"] = new JsonArray("name", "load_dataset_config") },
        },
        "evaluators" => Typed("object", "Named evaluators: {metrics: [{name, type (accuracy incl. perplexity, auroc and speech wer/rtfx, latency, throughput, size_on_disk, "
            + "fidelity, memory, generation_latency), data_config, user_config, sub_types: [{name, priority, higher_is_better, goal: {type, value}}]}]}. "
            + "Other keys of a metric go into its user_config, as in Olive; a latency metric without data_config runs on seeded random "
            + "inputs at the model's input shapes. Python metric functions are refused. Or Olive's LMEvaluator: {type: LMEvaluator, tasks: [mmlu | mmlu_<subject>], "
            + "num_fewshot, limit, max_length}, scored as lm-eval's MMLU on cais/mmlu from the local Hugging Face cache."),
        "evaluator" => Typed(new JsonArray("string", "object", "null"), "The evaluator that scores the input model and every "
            + "candidate: the name of an entry of evaluators, or one written inline. Goals gate the run (see gate)."),
        "passes" => new JsonObject
        {
            ["description"] = "The passes, run in the order written: each key names a step, each value is a pass entry. A "
                + "list of entries is a search space (alternatives), as is a list of values for an option; both need search_strategy. "
                + "Without passes (or with passes: {}) the recipe only evaluates the input model with the evaluator, as Olive does.",
            ["type"] = "object",
            ["additionalProperties"] = new JsonObject
            {
                ["oneOf"] = new JsonArray(
                    Ref("pass_entry"),
                    new JsonObject { ["type"] = "array", ["minItems"] = 1, ["items"] = Ref("pass_entry") }),
            },
        },
        "search_strategy" => new JsonObject
        {
            ["description"] = "Search over pass alternatives (a list of pass entries) and option lists: false/null = no search; "
                + "true = joint, sequential; or {execution_order: joint|pass-by-pass, sampler: sequential|random|tpe, max_samples, "
                + "seed, stop_when_goals_met, max_iter, max_time, include_pass_params, max_space_size}. Needs an evaluator.",
            ["type"] = new JsonArray("object", "boolean", "null"),
        },
        "gate" => Typed("boolean", "OliveNet: a run without search whose final model misses a goal publishes nothing (only "
            + "the reports) and exits 3. false publishes it anyway, as Olive does.", true),
        "min_fidelity" => new JsonObject
        {
            ["description"] = "OliveNet: every lossy pass (quantization, float16, low-bit export) is compared with its own input on "
                + "the recipe's data (else its calibration data, else seeded random inputs); a pass whose top-1 agreement "
                + "(classifier-like outputs) or cosine (other outputs) falls below this fails. 0 turns the gate off.",
            ["type"] = "number",
            ["minimum"] = 0,
            ["maximum"] = 1,
            ["default"] = Recipe.DefaultMinFidelity,
        },
        "model_card_template" => Typed("string", "OliveNet: a Handlebars template for the published README.md (model card), "
            + "relative to the recipe's folder. Default: the built-in card."),
        "host" => Described(Ref("system_reference"), "Where passes run: a name from systems or an inline system. Default: the CPU."),
        "target" => Described(Ref("system_reference"), "The system the model is optimized for; passes that cannot serve its "
            + "device or execution provider are refused before anything runs. Default: the CPU with CPUExecutionProvider."),
        "evaluate_input_model" => Typed("boolean", "Whether the input model is evaluated before the passes (needs an "
            + "evaluator); relative goals evaluate it regardless.", true),
        "cache_dir" => new JsonObject
        {
            ["description"] = "Cache root; a run's entries live in <cache_dir>/<workflow_id>/runs/<key>/ and are "
                + "reused when the model, pass and options are unchanged. Relative to the recipe's folder; default ./cache in "
                + "the current folder. A blob container URL (https://<account>.blob.core.windows.net/<container>) adds a shared "
                + "cache behind the local one; [folder, url] names both. Credentials come from the environment (docs/shared-cache.md).",
            ["anyOf"] = new JsonArray(
                new JsonObject { ["type"] = new JsonArray("string", "null") },
                new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" }, ["minItems"] = 1, ["maxItems"] = 2 }),
        },
        "output_dir" => Typed(new JsonArray("string", "null"), "Where the optimized model, model_config.json, footprint.json and manifest.json "
            + "are published. Relative to the recipe's folder; default (or null) ./output/<workflow_id> in the current folder."),
        "clean_cache" => Typed("boolean", "Delete this workflow's cache before running, so every pass runs again.", false),
        "clean_evaluation_cache" => Typed("boolean", "Delete this workflow's cached evaluations before running.", false),
        "log_severity_level" => new JsonObject
        {
            ["description"] = "Olive's log level: 0 verbose, 1 info, 2 warning, 3 error, 4 fatal.",
            ["type"] = "integer",
            ["minimum"] = 0,
            ["maximum"] = 4,
            ["default"] = 1,
        },
        "ort_log_severity_level" => new JsonObject { ["description"] = Ignored, ["type"] = "integer", ["minimum"] = 0, ["maximum"] = 4 },
        "ort_py_log_severity_level" => new JsonObject { ["description"] = Ignored, ["type"] = "integer", ["minimum"] = 0, ["maximum"] = 4 },
        "log_to_file" => Typed("boolean", Ignored),
        "plot_pareto_frontier" => Typed("boolean", Ignored),
        "no_artifacts" => Typed("boolean", Ignored),
        "enable_shared_cache" => Typed("boolean", Ignored),
        "cache_config" => Typed(new JsonArray("object", "string", "null"), Ignored),
        "packaging_config" => Refused("packaging (Zipfile, Dockerfile); OliveNet publishes a folder with a manifest in output_dir."),
        "azureml_client" => Refused("AzureML was removed from Olive; run locally."),
        "builds" => Refused("named builds; write one recipe per build."),
        "max_concurrent_builds" => Refused("named builds; write one recipe per build."),
        "auto_optimizer_config" => Refused("the auto-optimizer; list the passes explicitly."),
        "engine" => Engine(),
        _ => throw Undescribed("top-level key", key),
    };

    /// <summary>Olive's <c>engine</c> section: the same keys as the top level, each given in one place only.</summary>
    private static JsonObject Engine()
    {
        var properties = new JsonObject();
        foreach (var key in RecipeLoader.TopLevelKeys.Where(k => k != "engine"))
        {
            properties[key] = new JsonObject { ["$ref"] = $"#/properties/{key}" };
        }

        return new JsonObject
        {
            ["description"] = "Olive's engine section: any top-level key may sit here instead (not in both places).",
            ["type"] = "object",
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
    }

    private static JsonObject Described(JsonObject schema, string description)
    {
        schema["description"] = description;
        return schema;
    }

    private static InvalidOperationException Undescribed(string what, string key) =>
        new($"the recipe loader accepts {what} '{key}' but RecipeSchema has no schema for it; describe it in RecipeSchema");
}
