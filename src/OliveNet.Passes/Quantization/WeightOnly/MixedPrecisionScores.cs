using System.Text.Json.Nodes;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// SelectiveMixedPrecision's score-based choice, as Olive scores: each linear module's weight is round-to-nearest
/// quantized at the default and at the high setting; snr = 10·log10(‖W‖² / ‖W − Q(W)‖²), iqe = 1 / max over rows of
/// the mean squared error, and the _relative forms compare the default against the high setting. Lower is more
/// sensitive. A layer's q/k/v form one unit (squared norms add, row maxima take the max). Units are promoted, most
/// sensitive first, until the promoted parameters reach (1 − ratio) of all scored parameters.
/// </summary>
internal static class MixedPrecisionScores
{
    private const double Eps = 1e-12;

    /// <summary>A linear module: its name, the tensor holding its weight, and its parameter count.</summary>
    public sealed record Module(string Name, string Source, int Rows, int Columns);

    /// <summary>Every linear module: 2-D weights inside the layers, then the LM head (the embedding table when tied).</summary>
    public static List<Module> Modules(SafeTensorsCheckpoint checkpoint, bool tied)
    {
        var result = new List<Module>();
        foreach (var name in checkpoint.Names)
        {
            var info = checkpoint.Info(name);
            if (name.StartsWith("model.layers.", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal) && info.Shape.Count == 2)
            {
                result.Add(new Module(name[..^".weight".Length], name, (int)info.Shape[0], (int)info.Shape[1]));
            }
        }

        var head = checkpoint.Contains("lm_head.weight") && !tied ? "lm_head.weight" : "model.embed_tokens.weight";
        if (checkpoint.Contains(head))
        {
            var info = checkpoint.Info(head);
            result.Add(new Module("lm_head", head, (int)info.Shape[0], (int)info.Shape[1]));
        }

        return result;
    }

    /// <summary>The default and overrides of a score-based algorithm.</summary>
    public static (JsonObject Default, Dictionary<string, JsonObject> Overrides) Scored(
        SafeTensorsCheckpoint checkpoint, IReadOnlyList<Module> modules, SelectiveMixedPrecisionOptions o)
    {
        var low = new QuantSpec(o.Bits, o.GroupSize, o.Sym);
        var high = new QuantSpec(o.HighBits, o.HighGroupSize ?? o.GroupSize, o.HighSym ?? o.Sym);
        var stats = new Dictionary<string, Stats>(StringComparer.Ordinal);
        foreach (var m in modules)
        {
            CheckGroups(m, low, high);

            var w = checkpoint.ReadFloat32(m.Source);
            var relative = o.Algorithm!.EndsWith("_relative", StringComparison.Ordinal);
            stats[m.Name] = Measure(w, m, low) with { High = relative && high.Bits < 16 ? Measure(w, m, high) : null };
        }

        var units = Units(modules);
        var scores = units.ToDictionary(u => u[0], u => Score(o.Algorithm!, u.Select(n => stats[n]).ToArray()), StringComparer.Ordinal);
        return Select(modules, units, scores, o);
    }

    /// <summary>Selection units: a layer's q/k/v together (ModelBuilder packs them into one MatMul), every other module alone.</summary>
    public static List<string[]> Units(IReadOnlyList<Module> modules)
    {
        var names = modules.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var units = new List<string[]>();
        var grouped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var q in modules.Where(m => m.Name.EndsWith(".self_attn.q_proj", StringComparison.Ordinal)))
        {
            var prefix = q.Name[..^"q_proj".Length];
            var unit = new[] { prefix + "q_proj", prefix + "k_proj", prefix + "v_proj" }.Where(names.Contains).ToArray();
            if (unit.Length > 1)
            {
                units.Add(unit);
                grouped.UnionWith(unit);
            }
        }

        units.AddRange(modules.Where(m => !grouped.Contains(m.Name)).Select(m => new[] { m.Name }));
        return units;
    }

    /// <summary>
    /// Olive's greedy choice: units in ascending score (lower is more sensitive; ties by first module name) are promoted
    /// until the promoted parameters reach (1 − ratio) of all. <paramref name="scores"/> is keyed by each unit's first module.
    /// </summary>
    public static (JsonObject Default, Dictionary<string, JsonObject> Overrides) Select(
        IReadOnlyList<Module> modules, IReadOnlyList<string[]> units, IReadOnlyDictionary<string, double> scores, SelectiveMixedPrecisionOptions o)
    {
        var low = new QuantSpec(o.Bits, o.GroupSize, o.Sym);
        var high = new QuantSpec(o.HighBits, o.HighGroupSize ?? o.GroupSize, o.HighSym ?? o.Sym);
        var numel = modules.ToDictionary(m => m.Name, m => (long)m.Rows * m.Columns, StringComparer.Ordinal);
        var scored = units.Select(u => (Unit: u, Numel: u.Sum(n => numel[n]), Score: scores[u[0]]))
            .OrderBy(u => u.Score).ThenBy(u => u.Unit[0], StringComparer.Ordinal).ToList();
        var threshold = scored.Sum(u => u.Numel) * (1 - o.Ratio!.Value);
        var overrides = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        long promoted = 0;
        foreach (var (unit, n, _) in scored)
        {
            promoted += n;
            foreach (var name in unit)
            {
                overrides[name] = new JsonObject { ["bits"] = high.Bits, ["group_size"] = high.GroupSize, ["symmetric"] = high.Symmetric };
            }

            if (promoted >= threshold)
            {
                break;
            }
        }

        return (new JsonObject { ["bits"] = low.Bits, ["group_size"] = low.GroupSize, ["symmetric"] = low.Symmetric }, overrides);
    }

    /// <summary>Refuses a module whose input features are not whole groups of either setting.</summary>
    public static void CheckGroups(Module m, params QuantSpec[] specs)
    {
        foreach (var spec in specs)
        {
            if (spec.GroupSize != -1 && m.Columns % spec.GroupSize != 0)
            {
                throw new PlanException($"SelectiveMixedPrecision: {m.Name} has {m.Columns} input features, not a whole number of groups of {spec.GroupSize}; choose a group_size that divides it, or -1.");
            }
        }
    }

    /// <summary>Squared norms and the row-max mean squared error of one weight's round-to-nearest error.</summary>
    private sealed record Stats(double Signal, double Noise, double RowMaxMse)
    {
        public Stats? High { get; init; }
    }

    private static Stats Measure(float[] w, Module m, QuantSpec spec)
    {
        var q = GroupQuantizer.Rtn(w, m.Rows, m.Columns, spec, "F32").Dequantize();
        double signal = 0, noise = 0, rowMax = 0;
        for (var r = 0; r < m.Rows; r++)
        {
            double rowNoise = 0;
            for (var c = 0; c < m.Columns; c++)
            {
                var i = ((long)r * m.Columns) + c;
                var d = (double)w[i] - q[i];
                signal += (double)w[i] * w[i];
                rowNoise += d * d;
            }

            noise += rowNoise;
            rowMax = Math.Max(rowMax, rowNoise / m.Columns);
        }

        return new Stats(signal, noise, rowMax);
    }

    private static double Score(string algorithm, Stats[] members)
    {
        double Snr(double s, double n) => 10 * Math.Log10(Math.Max(s, Eps * Eps) / Math.Max(n, Eps * Eps));
        var signal = members.Sum(s => s.Signal);
        var noise = members.Sum(s => s.Noise);
        var iqe = members.Max(s => s.RowMaxMse);
        return algorithm switch
        {
            "snr" => Snr(signal, noise),
            "snr_relative" => Snr(signal, noise) - Snr(signal, members.Sum(s => s.High?.Noise ?? 0)),
            "iqe" => 1 / (iqe + Eps),
            "iqe_relative" => 1 / (iqe + Eps) / (1 / (members.Max(s => s.High?.RowMaxMse ?? 0) + Eps)),
            _ => throw new PlanException($"SelectiveMixedPrecision: algorithm '{algorithm}' is not a score-based one."),
        };
    }
}
