using OliveNet.Engine.Assets;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

public sealed partial class RecipeLoader
{
    internal static readonly string[] OnnxModelKeys =
    [
        "model_path", "onnx_file_name", "inference_settings", "use_ort_extensions", "external_initializers_file_name",
        "constant_inputs_file_name", "model_attributes", "generative",
    ];

    internal static readonly string[] HfModelKeys =
    [
        "model_path", "task", "load_kwargs", "io_config", "adapter_path", "model_attributes", "generative", "trust_remote_code",
    ];

    private static InputModelSpec? ReadInputModel(RecipeReader reader, YamlNode node, string recipeFolder)
    {
        if (reader.Mapping(node, "input_model") is not { } map)
        {
            return null;
        }

        var typeNode = RecipeReader.Child(map, "type");
        var type = typeNode is null ? null : reader.String(typeNode, "input_model.type");
        if (type is null)
        {
            reader.Error(typeNode ?? map, "input_model.type", "is required: ONNXModel or HfModel");
            return null;
        }

        var isOnnx = type.Equals("ONNXModel", StringComparison.OrdinalIgnoreCase);
        var isHf = type.Equals("HfModel", StringComparison.OrdinalIgnoreCase);
        if (!isOnnx && !isHf)
        {
            var known = new[] { "ONNXModel", "HfModel" };
            // Olive's model types are case-insensitive (PytorchModel is PyTorchModel).
            string[] refused = ["PyTorchModel", "CompositeModel", "DiffusersModel", "OpenVINOModel", "TensorFlowModel"];
            reader.Error(typeNode, "input_model.type", refused.Contains(type, StringComparer.OrdinalIgnoreCase)
                ? $"'{type}' inputs are not supported by OliveNet; start from an ONNX model (ONNXModel) or a Hugging Face checkpoint folder (HfModel)"
                : $"'{type}' is not a model type OliveNet knows{DidYouMean.Hint(type, known)}; use ONNXModel or HfModel");
            return null;
        }

        RefuseScripts(reader, map, "input_model");
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var known2 = (isOnnx ? OnnxModelKeys : HfModelKeys).Append("type").Append("config").ToArray();
        foreach (var (key, value) in reader.Entries(map, "input_model", known2.Concat(["user_script", "script_dir", "model_script", "model_loader", "dummy_inputs_func"]).ToArray()))
        {
            if (key == "config" && reader.Mapping(value, "input_model.config") is { } config)
            {
                foreach (var (inner, innerValue) in reader.Entries(config, "input_model.config", known2.Concat(["user_script", "script_dir", "model_script", "model_loader", "dummy_inputs_func"]).ToArray()))
                {
                    fields.TryAdd(inner, innerValue);
                }
            }
            else if (key != "type")
            {
                fields.TryAdd(key, value);
            }
        }

        if (!fields.TryGetValue("model_path", out var pathNode))
        {
            reader.Error(map, "input_model.model_path", "is required: the model file or folder (relative to the recipe), or npm:<package>@<version>/<file>");
            return null;
        }

        if (pathNode is YamlMappingNode resource)
        {
            // Olive's resource-path form, e.g. {type: azureml_registry_model, registry_name: azureml, name: ..., version: ...}.
            var kind = RecipeReader.Child(resource, "type") is YamlScalarNode { Value: { } k } ? k : string.Empty;
            reader.Error(pathNode, "input_model.model_path", kind is "file" or "folder"
                ? $"is Olive's resource form {{type: {kind}, config: {{path: ...}}}}: write the path itself, model_path: <file or folder>"
                : $"is an Olive resource path ({(kind.Length > 0 ? kind : "a mapping")}); AzureML models and other remote resources are not supported by OliveNet: "
                    + "give a local ONNX file or Hugging Face checkpoint folder");
            return null;
        }

        var reference = reader.String(pathNode, "input_model.model_path");
        if (reference is null)
        {
            return null;
        }

        var canonicalType = isOnnx ? "ONNXModel" : "HfModel";
        if (reference.StartsWith(ModelLocator.NpmScheme, StringComparison.Ordinal))
        {
            try
            {
                ModelLocator.ParseNpm(reference);
            }
            catch (AssetException e)
            {
                reader.Error(pathNode, "input_model.model_path", e.Message);
                return null;
            }

            return new InputModelSpec(canonicalType, reference, reference);
        }

        var full = Path.GetFullPath(Path.Combine(recipeFolder, reference));
        if (isOnnx)
        {
            if (Directory.Exists(full))
            {
                var fileName = fields.TryGetValue("onnx_file_name", out var f) ? reader.String(f, "input_model.onnx_file_name") : "model.onnx";
                full = Path.Combine(full, fileName ?? "model.onnx");
            }

            if (!File.Exists(full))
            {
                reader.Error(pathNode, "input_model.model_path", $"'{reference}' does not exist (looked at {full}); paths are relative to the recipe's folder");
                return null;
            }

            // Opened now, so that a truncated or non-ONNX file is refused before anything runs.
            try
            {
                _ = OliveNet.Onnx.OnnxModel.Load(full).MainGraph;
            }
            catch (OliveNet.Onnx.OnnxFormatException e)
            {
                reader.Error(pathNode, "input_model.model_path", $"'{reference}' is not a readable ONNX model: {e.Message}");
                return null;
            }

            return new InputModelSpec(canonicalType, reference, full);
        }

        return ReadHfModel(reader, pathNode, reference, full);
    }

    private static InputModelSpec? ReadHfModel(RecipeReader reader, YamlNode pathNode, string reference, string full)
    {
        if (Directory.Exists(full))
        {
            if (!File.Exists(Path.Combine(full, "config.json")))
            {
                reader.Error(pathNode, "input_model.model_path", $"'{reference}' is a folder without config.json; point at a Hugging Face checkpoint folder");
                return null;
            }

            return new InputModelSpec("HfModel", reference, full);
        }

        // A hub id (org/name) is usable only when the standard Hugging Face cache already holds a snapshot of it.
        var parts = reference.Split('/');
        if (parts.Length == 2)
        {
            var snapshots = Path.Combine(Data.HubDatasets.CacheRoot, $"models--{parts[0]}--{parts[1]}", "snapshots");
            var snapshot = Directory.Exists(snapshots)
                ? Directory.EnumerateDirectories(snapshots).Where(d => File.Exists(Path.Combine(d, "config.json"))).Order(StringComparer.Ordinal).LastOrDefault()
                : null;
            if (snapshot is not null)
            {
                return new InputModelSpec("HfModel", reference, snapshot);
            }

            // Name the recipe's own variable when model_path is ${VAR:-org/name}, so the fix is one copy-paste away.
            var variable = pathNode is YamlScalarNode { Value: { } raw } && System.Text.RegularExpressions.Regex.Match(raw, @"^\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}$") is { Success: true } m
                ? $"set {m.Groups[1].Value}=/path/to/checkpoint (the variable this recipe reads), or pass "
                : "pass ";
            reader.Error(pathNode, "input_model.model_path", $"'{reference}' is a Hugging Face hub id that is not available offline (no snapshot under {snapshots}); download the checkpoint, then {variable}--set input_model.model_path=/path/to/checkpoint");
            return null;
        }

        reader.Error(pathNode, "input_model.model_path", $"'{reference}' is neither a checkpoint folder (looked at {full}) nor a hub id (org/name)");
        return null;
    }
}
