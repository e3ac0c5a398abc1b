using System.Text.Json.Nodes;

namespace OliveNet.Passes.Export;

/// <summary>Per-layer facts of the SmolLM3 and OLMo 3 configs, and the variants of them (and of HunYuan dense) the export refuses.</summary>
internal sealed partial record HfConfig
{
    /// <summary>
    /// Whether layer <paramref name="layer"/> rotates q and k: false for SmolLM3's NoPE layers (<c>no_rope_layers[i] == 0</c>,
    /// or without the list every <c>no_rope_layer_interval</c>-th layer), true for every other family.
    /// </summary>
    public bool UsesRope(int layer)
    {
        if (Family != DecoderFamily.SmolLM3)
        {
            return true;
        }

        if (Raw["no_rope_layers"] is JsonArray flags)
        {
            return flags[layer]!.GetValue<int>() != 0;
        }

        var interval = (int)(Number("no_rope_layer_interval") ?? 4);
        return (layer + 1) % interval != 0;
    }

    /// <summary>
    /// The attention window of layer <paramref name="layer"/> in tokens for SmolLM3 and OLMo 3, −1 for full attention:
    /// OLMo 3's <c>sliding_attention</c> layers (<c>layer_types</c>, else three of every four); SmolLM3's NoPE layers when
    /// <c>use_sliding_window</c> is set (its <c>layer_types</c> rule).
    /// </summary>
    public int LayerWindow(int layer)
    {
        var window = Number("sliding_window") is { } w ? (int)w : -1;
        return Family switch
        {
            DecoderFamily.Olmo3 => LayerType(layer) == "sliding_attention" ? window : -1,
            DecoderFamily.SmolLM3 => (Raw["use_sliding_window"]?.GetValue<bool>() ?? false) && window > 0 && !UsesRope(layer) ? window : -1,
            _ => -1,
        };
    }

    /// <summary>OLMo 3's layer type: <c>layer_types[i]</c>, else full attention on every fourth layer and sliding elsewhere.</summary>
    public string LayerType(int layer) =>
        Raw["layer_types"] is JsonArray types ? types[layer]!.GetValue<string>() : (layer + 1) % 4 != 0 ? "sliding_attention" : "full_attention";

    /// <summary>
    /// The rope scaling: <c>rope_scaling</c>, or in the <c>rope_parameters</c> form of newer transformers (one object, or
    /// one per layer type, whose full-attention entry applies) the same keys when its rope_type is not default.
    /// </summary>
    public JsonObject? RopeScaling =>
        Raw["rope_scaling"] as JsonObject ?? (RopeParameters(Raw) is { } p && RopeTables.Kind(p) is { } kind && kind != "default" ? p : null);

    /// <summary>rope_parameters as one object (its full_attention entry when it has one per layer type), or null.</summary>
    private static JsonObject? RopeParameters(JsonObject raw) =>
        raw["rope_parameters"] is JsonObject p ? p["full_attention"] as JsonObject ?? p : null;

    /// <summary>Refuses configs of the new families whose variants the graph does not build, with the field and what to do.</summary>
    private void CheckFamily(string path)
    {
        if (Raw["mlp_bias"]?.GetValue<bool>() == true)
        {
            throw new ExportException($"{path}: mlp_bias true is not supported by ModelBuilder (its MLP projections have no biases); export a checkpoint without MLP biases.");
        }

        switch (Family)
        {
            case DecoderFamily.SmolLM3:
                if (Raw["no_rope_layers"] is JsonNode flags && (flags is not JsonArray list || list.Count < Layers
                    || list.Any(v => v is not JsonValue value || !value.TryGetValue<int>(out var f) || f is not (0 or 1))))
                {
                    throw new ExportException($"{path}: no_rope_layers must list 0 (NoPE) or 1 (RoPE) for each of the {Layers} layers.");
                }

                break;
            case DecoderFamily.Olmo3:
                if (Raw["layer_types"] is JsonNode types && (types is not JsonArray kinds || kinds.Count < Layers
                    || kinds.Any(k => k is not JsonValue value || !value.TryGetValue<string>(out var s) || s is not ("sliding_attention" or "full_attention"))))
                {
                    throw new ExportException($"{path}: layer_types must name sliding_attention or full_attention for each of the {Layers} layers.");
                }

                if (Enumerable.Range(0, Layers).Any(l => LayerType(l) == "sliding_attention") && Number("sliding_window") is not > 0)
                {
                    throw new ExportException($"{path}: sliding_attention layers need a positive sliding_window.");
                }

                break;
            case DecoderFamily.HunYuanDense:
                foreach (var (key, refused, why) in new[]
                {
                    ("use_cla", true, "cross-layer attention (layers sharing another layer's KV cache)"),
                    ("use_rotary_pos_emb", false, "attention without rotary position embeddings"),
                })
                {
                    if (Raw[key]?.GetValue<bool>() == refused)
                    {
                        throw new ExportException($"{path}: {key} {(refused ? "true" : "false")} ({why}) is not supported by ModelBuilder; export a checkpoint with {key} {(refused ? "false" : "true")}.");
                    }
                }

                if (Raw["norm_type"] is JsonValue norm && norm.TryGetValue<string>(out var normType) && normType != "rms")
                {
                    throw new ExportException($"{path}: norm_type '{normType}' is not supported by ModelBuilder (it builds RMS norms, norm_type 'rms').");
                }

                if (Number("num_experts") is > 1)
                {
                    throw new ExportException($"{path}: num_experts > 1 is a mixture-of-experts HunYuan, which ModelBuilder does not export; HunYuanDenseV1ForCausalLM checkpoints are dense.");
                }

                break;
        }
    }
}
