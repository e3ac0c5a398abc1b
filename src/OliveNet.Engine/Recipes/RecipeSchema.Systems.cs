using System.Text.Json.Nodes;

namespace OliveNet.Engine.Recipes;

public static partial class RecipeSchema
{
    /// <summary>Keys of one accelerator; the loader lists them inline in <c>ReadAccelerator</c>.</summary>
    private static readonly string[] AcceleratorKeys = ["device", "execution_providers", "memory"];

    private static JsonObject System()
    {
        var properties = new JsonObject();
        var config = new JsonObject();
        foreach (var key in RecipeLoader.SystemKeys)
        {
            properties[key] = SystemKey(key);
            config[key] = SystemKey(key);
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
            ["description"] = "A system passes run on or target. Docker, PythonEnvironment and AzureML systems are refused.",
            ["type"] = "object",
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
    }

    private static JsonObject SystemKey(string key) => key switch
    {
        "type" => WithDefault(
            CaseInsensitive("The system type (case-insensitive); only LocalSystem exists: OliveNet runs passes in its own process.", "LocalSystem"),
            "LocalSystem"),
        "config" => Typed("object", "Olive's nested form: the same keys as beside type."),
        "accelerators" => new JsonObject
        {
            ["description"] = "The one accelerator of this system: its device and execution provider. Default: the CPU with "
                + "CPUExecutionProvider.",
            ["type"] = new JsonArray("array", "null"),
            ["minItems"] = 1,
            ["maxItems"] = 1,
            ["items"] = Ref("accelerator"),
        },
        "olive_managed_env" => Typed("boolean", Ignored),
        "hf_token" => Typed(new JsonArray("boolean", "string"), Ignored),
        _ => throw Undescribed("system key", key),
    };

    private static JsonObject Accelerator()
    {
        var properties = new JsonObject();
        foreach (var key in AcceleratorKeys)
        {
            properties[key] = key switch
            {
                "device" => WithDefault(
                    CaseInsensitive("The device (case-insensitive). Passes that cannot serve it are refused before anything runs.", RecipeLoader.Devices),
                    "cpu"),
                "execution_providers" => new JsonObject
                {
                    ["description"] = "The execution provider (case-insensitive), optionally followed by a fallback (OliveNet): "
                        + "[CUDAExecutionProvider, CPUExecutionProvider] uses CPU with a warning in every report when this ONNX Runtime "
                        + "build cannot create CUDA here; without a fallback such a run fails before anything runs. Default by device: "
                        + "gpu → CUDAExecutionProvider, npu → QNNExecutionProvider, otherwise CPUExecutionProvider.",
                    ["type"] = "array",
                    ["minItems"] = 1,
                    ["maxItems"] = 2,
                    ["items"] = CaseInsensitive("An ONNX Runtime execution provider.", RecipeLoader.ExecutionProviders),
                },
                "memory" => Typed(new JsonArray("integer", "string", "null"), $"The accelerator's memory. {Ignored}"),
                _ => throw Undescribed("accelerator key", key),
            };
        }

        return new JsonObject
        {
            ["description"] = "One accelerator: a device and the execution provider the model is optimized for.",
            ["type"] = "object",
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
    }

    private static JsonObject WithDefault(JsonObject schema, JsonNode @default)
    {
        schema["default"] = @default;
        return schema;
    }
}
