using System.Text.Json.Nodes;

namespace OliveNet.Engine.Recipes;

public static partial class RecipeSchema
{
    private const string Onnx = "ONNXModel";
    private const string Hf = "HfModel";

    /// <summary>
    /// Both model types in one object; which keys are allowed depends on type, as in the loader, and keys may also sit
    /// under config.
    /// </summary>
    private static JsonObject InputModel()
    {
        var keys = RecipeLoader.OnnxModelKeys.Concat(RecipeLoader.HfModelKeys).Distinct().ToList();
        var properties = new JsonObject
        {
            ["type"] = CaseInsensitive($"The model type (case-insensitive): {Onnx} for an ONNX file, {Hf} for a Hugging "
                + "Face checkpoint (recognised; its export pass comes later).", Onnx, Hf),
        };
        var config = new JsonObject();
        foreach (var key in keys)
        {
            properties[key] = InputModelKey(key);
            config[key] = InputModelKey(key);
        }

        properties["config"] = new JsonObject
        {
            ["description"] = "Olive's nested form: the same keys as beside type.",
            ["type"] = "object",
            ["properties"] = config,
            ["additionalProperties"] = false,
        };

        return new JsonObject
        {
            ["description"] = "The source model. Python loaders (user_script, script_dir, model_script, model_loader, "
                + "dummy_inputs_func) are refused: OliveNet does not run Python.",
            ["type"] = "object",
            ["required"] = new JsonArray("type"),
            ["properties"] = properties,
            ["additionalProperties"] = false,
            ["allOf"] = new JsonArray(OnlyKeysOf(Onnx, RecipeLoader.OnnxModelKeys), OnlyKeysOf(Hf, RecipeLoader.HfModelKeys)),
        };
    }

    /// <summary>When type is <paramref name="type"/> (any casing), only that type's keys are allowed, beside type and under config.</summary>
    private static JsonObject OnlyKeysOf(string type, string[] keys) => new()
    {
        ["if"] = new JsonObject
        {
            ["required"] = new JsonArray("type"),
            ["properties"] = new JsonObject { ["type"] = new JsonObject { ["pattern"] = IgnoreCasePattern([type]) } },
        },
        ["then"] = new JsonObject
        {
            ["propertyNames"] = new JsonObject { ["enum"] = Strings(keys.Append("type").Append("config")) },
            ["properties"] = new JsonObject
            {
                ["config"] = new JsonObject { ["propertyNames"] = new JsonObject { ["enum"] = Strings(keys) } },
            },
        },
    };

    private static JsonObject InputModelKey(string key) => key switch
    {
        "model_path" => Typed("string", "The model: an .onnx file or a folder holding it (ONNXModel); a Hugging Face "
            + "checkpoint folder with config.json, or a hub id org/name already in the local Hugging Face cache (HfModel); "
            + "or npm:<package>@<version>/<file>. Relative to the recipe's folder. Required."),
        "onnx_file_name" => Typed("string", "ONNXModel: the .onnx file inside model_path when model_path is a folder.", "model.onnx"),
        "inference_settings" => Typed("object", $"ONNXModel: ONNX Runtime session settings for evaluation. {Ignored}"),
        "use_ort_extensions" => Typed("boolean", $"ONNXModel: the model needs onnxruntime-extensions custom ops. {Ignored}"),
        "external_initializers_file_name" => Typed(new JsonArray("string", "null"), $"ONNXModel: Olive's external initializers file. {Ignored}"),
        "constant_inputs_file_name" => Typed(new JsonArray("string", "null"), $"ONNXModel: Olive's constant inputs file. {Ignored}"),
        "model_attributes" => Typed(new JsonArray("object", "null"), $"Facts about the model (num_heads, hidden_size, ...) Olive passes read. {Ignored}"),
        "generative" => Typed("boolean", $"The model generates tokens (LLM). {Ignored}"),
        "task" => Typed("string", $"HfModel: the Hugging Face task, e.g. text-classification, used by the export pass. {Ignored}"),
        "load_kwargs" => Typed("object", $"HfModel: arguments to from_pretrained. {Ignored}"),
        "io_config" => Typed(new JsonArray("object", "string"), $"HfModel: input and output names and shapes for export. {Ignored}"),
        "adapter_path" => Typed("string", $"HfModel: a LoRA adapter folder. {Ignored}"),
        "trust_remote_code" => Typed("boolean", $"HfModel: Hugging Face's trust_remote_code; OliveNet never runs model code. {Ignored}"),
        _ => throw Undescribed("input_model key", key),
    };
}
