using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// The <c>quantization_config</c> of an Olive-quantized checkpoint (<c>"quant_method": "olive"</c>): default bits, group
/// size and symmetry, whether the LM head and embeddings are quantized, excluded module patterns and per-module
/// overrides. Override keys match a module name literally, or as a full-match regular expression when written
/// <c>re:PATTERN</c>; the first matching key in file order wins. Exclusion patterns match as substrings, or as
/// <c>re:</c> full matches. The same shape (without <c>quant_method</c>) is the default of a mixed precision plan.
/// </summary>
internal sealed record QuantizationConfig(
    QuantSpec Default,
    bool LmHead,
    bool Embeds,
    IReadOnlyList<string> ModulesToNotConvert,
    IReadOnlyList<KeyValuePair<string, QuantOverride>> Overrides,
    bool TieWordEmbeddings)
{
    private static readonly string[] RequiredKeys = ["bits", "group_size", "symmetric"];

    /// <summary>The config.json key of the quantization config.</summary>
    public const string Key = "quantization_config";

    /// <summary>The config.json key where SelectiveMixedPrecision records its plan (Olive's model attribute name).</summary>
    public const string MixedPrecisionKey = "mixed_precision_info";

    /// <summary>The settings of <paramref name="module"/> (a module name such as <c>model.layers.0.mlp.down_proj</c>).</summary>
    public QuantSpec Resolve(string module) => Apply(Default, Match(Overrides, module));

    /// <summary>Whether an exclusion pattern matches <paramref name="module"/>.</summary>
    public bool Excluded(string module) => ModulesToNotConvert.Any(p => p.StartsWith("re:", StringComparison.Ordinal)
        ? Regex.IsMatch(module, $"^(?:{p[3..]})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))
        : module.Contains(p, StringComparison.Ordinal));

    /// <summary>The first override whose key matches <paramref name="module"/>, or null.</summary>
    public static QuantOverride? Match(IReadOnlyList<KeyValuePair<string, QuantOverride>> overrides, string module) =>
        overrides.FirstOrDefault(o => o.Key.StartsWith("re:", StringComparison.Ordinal)
            ? Regex.IsMatch(module, $"^(?:{o.Key[3..]})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))
            : o.Key == module).Value;

    /// <summary><paramref name="spec"/> with the fields <paramref name="o"/> sets.</summary>
    public static QuantSpec Apply(QuantSpec spec, QuantOverride? o) =>
        o is null ? spec : new QuantSpec(o.Bits ?? spec.Bits, o.GroupSize ?? spec.GroupSize, o.Symmetric ?? spec.Symmetric);

    /// <summary>The config in <paramref name="config"/>'s <c>quantization_config</c>, or null when it has none.</summary>
    /// <exception cref="FormatException">It is not an Olive config, or a field has the wrong type.</exception>
    public static QuantizationConfig? Read(JsonObject config)
    {
        if (config[Key] is not JsonObject q)
        {
            return null;
        }

        var method = q["quant_method"]?.GetValue<string>() ?? "(none)";
        if (method != "olive")
        {
            throw new FormatException($"quantization_config.quant_method is '{method}'; OliveNet's checkpoint passes read checkpoints quantized by Olive or OliveNet (quant_method olive); start from the float checkpoint (ModelBuilder alone also reads gptq and awq checkpoints).");
        }

        foreach (var key in RequiredKeys)
        {
            if (q[key] is not JsonValue)
            {
                throw new FormatException($"quantization_config has no '{key}'; an Olive quantization config names bits, group_size and symmetric.");
            }
        }

        return new QuantizationConfig(
            new QuantSpec(q["bits"]!.GetValue<int>(), q["group_size"]!.GetValue<int>(), q["symmetric"]!.GetValue<bool>()),
            q["lm_head"]?.GetValue<bool>() ?? false,
            q["embeds"]?.GetValue<bool>() ?? false,
            q["modules_to_not_convert"] is JsonArray skip ? skip.Select(s => s!.GetValue<string>()).ToList() : [],
            ReadOverrides(q["overrides"] as JsonObject),
            q["tie_word_embeddings"]?.GetValue<bool>() ?? false);
    }

    /// <summary>Overrides in file order.</summary>
    public static List<KeyValuePair<string, QuantOverride>> ReadOverrides(JsonObject? overrides) =>
        overrides is null ? [] : overrides.Select(kv => KeyValuePair.Create(kv.Key, new QuantOverride
        {
            Bits = kv.Value?["bits"]?.GetValue<int>(),
            GroupSize = kv.Value?["group_size"]?.GetValue<int>(),
            Symmetric = kv.Value?["symmetric"]?.GetValue<bool>(),
        })).ToList();

    /// <summary>One override as JSON, with only the fields that differ from <paramref name="defaults"/>.</summary>
    public static JsonObject OverrideJson(QuantOverride o, QuantSpec? defaults)
    {
        var json = new JsonObject();
        if (o.Bits is { } b && b != defaults?.Bits)
        {
            json["bits"] = b;
        }

        if (o.Symmetric is { } s && s != defaults?.Symmetric)
        {
            json["symmetric"] = s;
        }

        if (o.GroupSize is { } g && g != defaults?.GroupSize)
        {
            json["group_size"] = g;
        }

        return json;
    }

    /// <summary>The config as config.json's <c>quantization_config</c> (Olive's field names and order).</summary>
    public JsonObject ToJson()
    {
        var overrides = new JsonObject();
        foreach (var (key, o) in Overrides)
        {
            var json = OverrideJson(o, Default);
            if (json.Count > 0)
            {
                overrides[key] = json;
            }
        }

        return new JsonObject
        {
            ["quant_method"] = "olive",
            ["bits"] = Default.Bits,
            ["symmetric"] = Default.Symmetric,
            ["group_size"] = Default.GroupSize,
            ["lm_head"] = LmHead,
            ["embeds"] = Embeds,
            ["modules_to_not_convert"] = ModulesToNotConvert.Count == 0 ? null : new JsonArray(ModulesToNotConvert.Select(m => (JsonNode)m).ToArray()),
            ["overrides"] = overrides.Count == 0 ? null : overrides,
            ["tie_word_embeddings"] = TieWordEmbeddings,
        };
    }
}
