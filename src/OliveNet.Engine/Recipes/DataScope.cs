using System.Text.Json.Nodes;
using OliveNet.Engine.Data;

namespace OliveNet.Engine.Recipes;

/// <summary>
/// The data configs a recipe's metrics and passes may name while it is read: those that loaded, those that were given
/// but refused (already reported, so a reference to one is not reported again), and the dummy config Olive builds from
/// the model's inputs for a latency metric without data.
/// </summary>
internal sealed class DataScope(Dictionary<string, DataConfigSpec> data, HashSet<string> refused)
{
    private string? _modelInputs;

    public Dictionary<string, DataConfigSpec> Data => data;

    public HashSet<string> Refused => refused;

    /// <summary>True when <paramref name="name"/> is a data config, or one that was refused and reported already.</summary>
    public bool Known(string name) => data.ContainsKey(name) || refused.Contains(name);

    /// <summary>The name of a data config of seeded random inputs at the model's input shapes, added on first use.</summary>
    public string ModelInputs()
    {
        if (_modelInputs is not null)
        {
            return _modelInputs;
        }

        var name = "model_inputs";
        while (Known(name))
        {
            name += "_";
        }

        var load = new DataComponent("dummy_dataset", []);
        var canonical = new JsonObject
        {
            ["name"] = name,
            ["load"] = new JsonObject { ["type"] = load.Type, ["params"] = new JsonObject() },
            ["pre_process"] = null,
            ["post_process"] = null,
            ["dataloader"] = null,
        };
        data[name] = new DataConfigSpec(name, load, null, null, null, Passes.PassOptions.Canonical(canonical));
        return _modelInputs = name;
    }
}
