using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

public sealed partial class RecipeLoader
{
    /// <summary>Top-level keys this version parses but does not act on, or cannot honour; said before anything runs.</summary>
    private static void Refuse(RecipeReader reader, string key, YamlNode node, List<string> notes)
    {
        switch (key)
        {
            case "azureml_client":
                reader.Error(node, key, "AzureML systems were removed from Olive and are not supported by OliveNet; run locally");
                break;
            case "builds" or "max_concurrent_builds":
                reader.Error(node, key, "named builds are not supported yet; write one recipe per build");
                break;
            case "packaging_config":
                reader.Error(node, key, "packaging (Zipfile/Dockerfile) is not supported; OliveNet publishes a folder with a manifest in output_dir");
                break;
            case "auto_optimizer_config":
                reader.Error(node, key, "the auto-optimizer is not supported; list the passes explicitly");
                break;
            case "data_configs" or "evaluators" or "evaluator" when !RecipeReader.IsNull(node):
                RefuseScripts(reader, node, key);
                break;
        }
    }

    /// <summary>Python scripts are the one thing a recipe can ask for that OliveNet will never run.</summary>
    internal static void RefuseScripts(RecipeReader reader, YamlNode node, string path)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (keyNode, value) in map.Children)
                {
                    var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
                    if (key is "user_script" or "script_dir" or "model_script" or "model_loader" or "dummy_inputs_func" or "evaluate_func" or "metric_func")
                    {
                        reader.Error(keyNode, RecipeReader.Join(path, key), "names Python code, which OliveNet does not run (no Python); use a built-in component instead");
                    }
                    else
                    {
                        RefuseScripts(reader, value, RecipeReader.Join(path, key));
                    }
                }

                break;
            case YamlSequenceNode seq:
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    RefuseScripts(reader, seq.Children[i], $"{path}[{i}]");
                }

                break;
        }
    }
}
