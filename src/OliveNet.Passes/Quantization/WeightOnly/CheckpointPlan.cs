using System.Text.Json.Nodes;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// Which weights of a checkpoint a weight-only pass quantizes, and with which settings, following Olive: the pass's
/// bits/group_size/sym, replaced by a SelectiveMixedPrecision plan's default when the checkpoint carries one, its
/// overrides merged under the pass's own; modules already quantized by an earlier pass are kept as they are and lock
/// their settings; the q/k/v projections of a layer share one setting (the most precise of theirs), since ModelBuilder
/// packs them into one MatMulNBits.
/// </summary>
internal sealed class CheckpointPlan
{
    private CheckpointPlan(IReadOnlyList<QuantTarget> targets, QuantizationConfig config, bool untie)
    {
        Targets = targets;
        Config = config;
        Untie = untie;
    }

    /// <summary>The weights to quantize now, in checkpoint order (layers, then embeddings, then the head).</summary>
    public IReadOnlyList<QuantTarget> Targets { get; }

    /// <summary>The quantization_config the output checkpoint gets.</summary>
    public QuantizationConfig Config { get; }

    /// <summary>Whether a tied head is untied: the output gets its own <c>lm_head</c> (quantized, or a float copy of the embeddings).</summary>
    public bool Untie { get; }

    /// <summary>Suffixes of a quantized module's tensors.</summary>
    public static readonly string[] Suffixes = [".weight_qweight", ".weight_scales", ".weight_qzeros"];

    /// <summary>Plans the quantization of <paramref name="checkpoint"/> (whose config.json is <paramref name="config"/>).</summary>
    /// <exception cref="PlanException">The settings are invalid, or the checkpoint is quantized and <paramref name="allowQuantized"/> is false.</exception>
    public static CheckpointPlan Create(
        SafeTensorsCheckpoint checkpoint, JsonObject config, QuantSpec spec, bool lmHead, bool embeds,
        IReadOnlyList<string> skip, IReadOnlyList<KeyValuePair<string, QuantOverride>> overrides, bool allowQuantized, string passId)
    {
        QuantizationConfig? existing;
        try
        {
            existing = QuantizationConfig.Read(config);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new PlanException($"config.json quantization_config: {e.Message}");
        }

        if (existing is not null && !allowQuantized)
        {
            throw new PlanException($"{passId} needs a float checkpoint, but this one is already quantized (config.json has quantization_config); run {passId} before Rtn, not after it.");
        }

        var fresh = Fresh(config, spec, lmHead, embeds, skip, overrides);
        var quantized = checkpoint.Names.Where(n => n.EndsWith(Suffixes[0], StringComparison.Ordinal))
            .Select(n => n[..^Suffixes[0].Length]).ToHashSet(StringComparer.Ordinal);
        var tied = config["tie_word_embeddings"]?.GetValue<bool>() ?? false;
        var hasHead = checkpoint.Contains("lm_head.weight") || quantized.Contains("lm_head");
        var candidates = Candidates(checkpoint, fresh, hasHead || tied)
            .Where(m => !quantized.Contains(m.Module) && !fresh.Excluded(m.Module)).ToList();

        // The merged config: an existing one keeps its defaults and gains an override per newly quantized module that differs.
        var merged = existing is null ? fresh : existing with
        {
            LmHead = existing.LmHead || fresh.LmHead,
            Embeds = existing.Embeds || fresh.Embeds,
            Overrides = Merge(existing.Overrides, candidates.Select(c => KeyValuePair.Create(c.Module, Diff(fresh.Resolve(c.Module), existing.Default)))),
        };
        var covered = candidates.Select(c => c.Module).Concat(quantized).ToHashSet(StringComparer.Ordinal);
        merged = SharedQkv(merged, covered, quantized);

        // Overrides of modules this checkpoint does not quantize (a plan's entry for a head left to a later Rtn) are
        // dropped, as Olive drops them, so they cannot shadow the later pass's own settings.
        merged = merged with { Overrides = [.. merged.Overrides.Where(o => o.Key.StartsWith("re:", StringComparison.Ordinal) || covered.Contains(o.Key))] };

        // A quantized head or embedding unties them, unless both are quantized here the same way (then one tensor serves both).
        var headNow = candidates.Any(c => c.Module == "lm_head");
        var embedNow = candidates.Any(c => c.Module == "model.embed_tokens");
        var retie = tied && headNow && embedNow && merged.Resolve("lm_head") == merged.Resolve("model.embed_tokens");
        var untie = tied && !retie && (headNow || embedNow);
        var targets = new List<QuantTarget>();
        foreach (var c in candidates)
        {
            // A 16-bit choice (SelectiveMixedPrecision high_bits 16) leaves the module in float.
            if ((c.Module == "lm_head" && retie) || merged.Resolve(c.Module).Bits >= 16)
            {
                continue;
            }

            var info = checkpoint.Info(c.Source);
            targets.Add(new QuantTarget(c.Module, c.Source, (int)info.Shape[0], (int)info.Shape[1], merged.Resolve(c.Module), info.DType));
        }

        foreach (var t in targets)
        {
            Check(t, passId);
        }

        return new CheckpointPlan(targets, merged with { TieWordEmbeddings = retie || (existing?.TieWordEmbeddings ?? false) }, untie);
    }

    /// <summary>The pass's own config: its settings, a mixed precision plan's default over them, its overrides over the plan's.</summary>
    private static QuantizationConfig Fresh(
        JsonObject config, QuantSpec spec, bool lmHead, bool embeds, IReadOnlyList<string> skip, IReadOnlyList<KeyValuePair<string, QuantOverride>> overrides)
    {
        var merged = overrides.ToList();
        if (config[QuantizationConfig.MixedPrecisionKey] is JsonObject mp)
        {
            var d = mp["default"] as JsonObject;
            spec = new QuantSpec(d?["bits"]?.GetValue<int>() ?? spec.Bits, d?["group_size"]?.GetValue<int>() ?? spec.GroupSize, d?["symmetric"]?.GetValue<bool>() ?? spec.Symmetric);
            foreach (var (name, o) in QuantizationConfig.ReadOverrides(mp["overrides"] as JsonObject))
            {
                var at = merged.FindIndex(kv => kv.Key == name);
                var user = at >= 0 ? merged[at].Value : null;
                var combined = new QuantOverride { Bits = user?.Bits ?? o.Bits, GroupSize = user?.GroupSize ?? o.GroupSize, Symmetric = user?.Symmetric ?? o.Symmetric };
                if (at >= 0)
                {
                    merged[at] = KeyValuePair.Create(name, combined);
                }
                else
                {
                    merged.Add(KeyValuePair.Create(name, combined));
                }
            }
        }

        return new QuantizationConfig(spec, lmHead, embeds, skip, merged, false);
    }

    /// <summary>Every weight the settings select: 2-D weights inside decoder layers, then the embeddings and head when asked.</summary>
    private static IEnumerable<(string Module, string Source)> Candidates(SafeTensorsCheckpoint checkpoint, QuantizationConfig config, bool hasHead)
    {
        foreach (var name in checkpoint.Names)
        {
            if (name.StartsWith("model.layers.", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal)
                && checkpoint.Info(name).Shape.Count == 2)
            {
                yield return (name[..^".weight".Length], name);
            }
        }

        if (config.Embeds && checkpoint.Contains("model.embed_tokens.weight"))
        {
            yield return ("model.embed_tokens", "model.embed_tokens.weight");
        }

        if (config.LmHead && hasHead)
        {
            yield return ("lm_head", checkpoint.Contains("lm_head.weight") ? "lm_head.weight" : "model.embed_tokens.weight");
        }
    }

    /// <summary>Gives each layer's q/k/v projections one setting: a locked (already quantized) member's, else the most precise.</summary>
    private static QuantizationConfig SharedQkv(QuantizationConfig config, HashSet<string> modules, HashSet<string> locked)
    {
        var overrides = config.Overrides.ToList();
        var groups = modules.Where(m => m.EndsWith(".self_attn.q_proj", StringComparison.Ordinal))
            .Select(q => q[..^"q_proj".Length])
            .Select(p => new[] { p + "q_proj", p + "k_proj", p + "v_proj" }.Where(modules.Contains).ToArray())
            .Where(g => g.Length > 1);
        foreach (var group in groups)
        {
            var specs = group.Select(config.Resolve).ToArray();
            if (specs.Distinct().Count() == 1)
            {
                continue;
            }

            var lockedSpecs = group.Where(locked.Contains).Select(config.Resolve).Distinct().ToArray();
            if (lockedSpecs.Length > 1)
            {
                continue; // already quantized differently: nothing can make them agree
            }

            var shared = lockedSpecs.Length == 1 ? lockedSpecs[0] : specs.MaxBy(s => s.Rank);
            foreach (var m in group.Where(m => !locked.Contains(m)))
            {
                overrides.RemoveAll(kv => kv.Key == m);
                overrides.Insert(0, KeyValuePair.Create(m, Diff(shared, config.Default)));
            }
        }

        return config with { Overrides = overrides };
    }

    /// <summary><paramref name="existing"/> with each added entry replacing the one of the same key in place, or appended.</summary>
    private static List<KeyValuePair<string, QuantOverride>> Merge(
        IEnumerable<KeyValuePair<string, QuantOverride>> existing, IEnumerable<KeyValuePair<string, QuantOverride>> added)
    {
        var result = existing.ToList();
        foreach (var entry in added)
        {
            var at = result.FindIndex(kv => kv.Key == entry.Key);
            if (at >= 0)
            {
                result[at] = entry;
            }
            else
            {
                result.Add(entry);
            }
        }

        return result;
    }

    private static QuantOverride Diff(QuantSpec spec, QuantSpec defaults) => new()
    {
        Bits = spec.Bits != defaults.Bits ? spec.Bits : null,
        GroupSize = spec.GroupSize != defaults.GroupSize ? spec.GroupSize : null,
        Symmetric = spec.Symmetric != defaults.Symmetric ? spec.Symmetric : null,
    };

    private static void Check(QuantTarget t, string passId)
    {
        if (t.Spec.Bits is not (2 or 4 or 8))
        {
            throw new PlanException($"{passId}: {t.Module} would get {t.Spec.Bits} bits; bits must be 2, 4 or 8 (check bits and overrides).");
        }

        if (t.Spec.GroupSize != -1 && (t.Spec.GroupSize <= 0 || t.Columns % t.Spec.GroupSize != 0))
        {
            throw new PlanException(
                $"{passId}: {t.Module} has {t.Columns} input features, which are not a whole number of groups of {t.Spec.GroupSize}; use a group_size that divides {t.Columns}, or -1 (per channel), or an override for this module.");
        }

        if (t.ScaleDType is not ("F32" or "F16" or "BF16"))
        {
            throw new PlanException($"{passId}: {t.Source} is stored as {t.ScaleDType}; only F32, F16 and BF16 weights can be quantized.");
        }
    }
}
