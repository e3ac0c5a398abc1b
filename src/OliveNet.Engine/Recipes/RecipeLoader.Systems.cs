using OliveNet.Engine.Passes;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

public sealed partial class RecipeLoader
{
    internal static readonly string[] Devices = ["cpu", "gpu", "npu", "vpu", "cpu_spr", "intel_myriad", "any"];

    internal static readonly string[] ExecutionProviders =
    [
        "CPUExecutionProvider", "CUDAExecutionProvider", "TensorrtExecutionProvider", "DmlExecutionProvider", "QNNExecutionProvider",
        "OpenVINOExecutionProvider", "VitisAIExecutionProvider", "WebGpuExecutionProvider", "ROCMExecutionProvider",
        "MIGraphXExecutionProvider", "NvTensorRTRTXExecutionProvider", "JsExecutionProvider",
    ];

    internal static readonly string[] SystemKeys = ["type", "config", "accelerators", "olive_managed_env", "hf_token"];

    /// <param name="refused">Receives the names of systems that were given but refused (reported already), so that a
    /// host or target naming one is not reported as undefined too.</param>
    private static Dictionary<string, Target> ReadSystems(RecipeReader reader, YamlNode node, HashSet<string> refused)
    {
        var result = new Dictionary<string, Target>(StringComparer.Ordinal);
        if (reader.Mapping(node, "systems") is not { } map)
        {
            return result;
        }

        foreach (var (name, value) in reader.Entries(map, "systems"))
        {
            if (ReadSystem(reader, value, $"systems.{name}") is { } target)
            {
                result[name] = target;
            }
            else
            {
                refused.Add(name);
            }
        }

        return result;
    }

    /// <summary><c>host</c>/<c>target</c>: the name of an entry of <c>systems</c>, or a system written inline.</summary>
    private static Target? ReadSystemReference(RecipeReader reader, YamlNode node, string path, Dictionary<string, Target> systems, HashSet<string> refused)
    {
        if (node is YamlScalarNode)
        {
            var name = reader.String(node, path);
            if (name is null)
            {
                return null;
            }

            if (systems.TryGetValue(name, out var target))
            {
                return target;
            }

            if (refused.Contains(name))
            {
                return null;
            }

            reader.Error(node, path, $"names system '{name}', which systems does not define{DidYouMean.Hint(name, systems.Keys)}" +
                (systems.Count > 0 ? $"; defined: {string.Join(", ", systems.Keys)}" : string.Empty));
            return null;
        }

        return ReadSystem(reader, node, path);
    }

    private static Target? ReadSystem(RecipeReader reader, YamlNode node, string path)
    {
        if (reader.Mapping(node, path) is not { } map)
        {
            return null;
        }

        // The type first: a system of another type has keys of its own, and its type is the one thing to report.
        var typeNode = RecipeReader.Child(map, "type");
        var type = typeNode is not null ? reader.String(typeNode, $"{path}.type") : "LocalSystem";
        if (type is null)
        {
            return null;
        }

        if (!type.Equals("LocalSystem", StringComparison.OrdinalIgnoreCase))
        {
            var why = type.ToLowerInvariant() switch
            {
                "docker" => "OliveNet runs passes in its own process; there is no Docker system",
                "pythonenvironment" => "OliveNet does not use Python environments",
                "azureml" or "isolatedort" => "this system type was removed from Olive and is not supported",
                _ => $"unknown system type{DidYouMean.Hint(type, ["LocalSystem", "Docker", "PythonEnvironment"])}",
            };
            reader.Error(typeNode, $"{path}.type", $"'{type}': {why}; use type: LocalSystem");
            return null;
        }

        var fields = reader.Entries(map, path, SystemKeys).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        if (fields.TryGetValue("config", out var config) && reader.Mapping(config, $"{path}.config") is { } inner)
        {
            foreach (var (key, value) in reader.Entries(inner, $"{path}.config", SystemKeys))
            {
                fields.TryAdd(key, value);
            }
        }

        if (!fields.TryGetValue("accelerators", out var accelerators) || RecipeReader.IsNull(accelerators))
        {
            return Target.Cpu;
        }

        if (accelerators is not YamlSequenceNode list || list.Children.Count != 1)
        {
            reader.Error(accelerators, $"{path}.accelerators", "expected a list with exactly one accelerator: [{device: cpu, execution_providers: [CPUExecutionProvider]}]");
            return null;
        }

        return ReadAccelerator(reader, list.Children[0], $"{path}.accelerators[0]");
    }

    private static Target? ReadAccelerator(RecipeReader reader, YamlNode node, string path)
    {
        if (reader.Mapping(node, path) is not { } map)
        {
            return null;
        }

        string? device = "cpu";
        string? provider = null;
        string? fallback = null;
        foreach (var (key, value) in reader.Entries(map, path, ["device", "execution_providers", "memory"]))
        {
            switch (key)
            {
                case "device":
                    device = reader.String(value, $"{path}.device")?.ToLowerInvariant();
                    if (device is not null && !Devices.Contains(device))
                    {
                        reader.Error(value, $"{path}.device", $"'{device}' is not one of {string.Join(", ", Devices)}{DidYouMean.Hint(device, Devices)}");
                        device = null;
                    }

                    break;
                case "execution_providers":
                    (provider, fallback) = ReadProviders(reader, value, $"{path}.execution_providers");
                    break;
            }
        }

        if (device is null)
        {
            return null;
        }

        return new Target(device, provider ?? DefaultProvider(device)) { FallbackExecutionProvider = fallback };
    }

    /// <summary>One provider, or (OliveNet extension) a provider and the fallback to use when it cannot be created here.</summary>
    private static (string? Provider, string? Fallback) ReadProviders(RecipeReader reader, YamlNode node, string path)
    {
        if (node is not YamlSequenceNode { Children.Count: 1 or 2 } list)
        {
            reader.Error(node, path, "expected [provider] or [provider, fallback], e.g. [CUDAExecutionProvider, CPUExecutionProvider]");
            return (null, null);
        }

        var names = new List<string?>();
        for (var i = 0; i < list.Children.Count; i++)
        {
            var name = reader.String(list.Children[i], $"{path}[{i}]");
            var known = ExecutionProviders.FirstOrDefault(p => p.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (name is not null && known is null)
            {
                reader.Error(list.Children[i], $"{path}[{i}]", $"'{name}' is not a known execution provider{DidYouMean.Hint(name, ExecutionProviders)}");
            }

            names.Add(known);
        }

        return (names[0], names.Count > 1 ? names[1] : null);
    }

    private static string DefaultProvider(string device) => device switch
    {
        "gpu" => "CUDAExecutionProvider",
        "npu" => "QNNExecutionProvider",
        _ => "CPUExecutionProvider",
    };
}
