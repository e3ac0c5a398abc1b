using System.Text.Json.Nodes;

namespace OliveNet.Passes.Export;

/// <summary>
/// GroupQueryAttention's rotary caches: <c>cos[p, i] = cos(p·f_i)·m</c>, <c>sin[p, i] = sin(p·f_i)·m</c> for
/// positions p &lt; max_position_embeddings and i &lt; rotary_dim/2, with <c>f_i = 1/θ^(2i/d)</c> adjusted by the
/// checkpoint's <c>rope_scaling</c> (llama3, linear, longrope, yarn) and m the LongRoPE or YaRN attention factor (1
/// otherwise). M-RoPE (Qwen2.5-VL's <c>mrope</c>, Qwen3-VL's <c>mrope_section</c> + <c>mrope_interleaved</c>) takes
/// each frequency's position from one of three components (time, height, width); text has all three equal to the
/// token's position, so whichever component a frequency reads — in sections or interleaved — its angle is
/// <c>p·f_i</c> and the tables are ordinary RoPE's. Computed in float64, stored as float32.
/// </summary>
internal static class RopeTables
{
    /// <summary>The rope_scaling kind ("llama3", "linear", "longrope", ...), or null.</summary>
    public static string? Kind(JsonObject? scaling) =>
        scaling is null ? null : (scaling["rope_type"] ?? scaling["type"])?.GetValue<string>();

    /// <summary>Inverse frequencies for <paramref name="dim"/> rotary dims with base <paramref name="theta"/> and the given scaling.</summary>
    /// <exception cref="ExportException">The scaling kind is not supported.</exception>
    /// <param name="maxPositions">config.json's max_position_embeddings (YaRN's factor when the scaling names none).</param>
    public static double[] InverseFrequencies(int dim, double theta, JsonObject? scaling, int maxPositions = 0)
    {
        var f = new double[dim / 2];
        for (var i = 0; i < f.Length; i++)
        {
            f[i] = 1.0 / Math.Pow(theta, 2.0 * i / dim);
        }

        switch (Kind(scaling))
        {
            case null or "default" or "mrope":
                break;
            case "linear":
                var factor = scaling!["factor"]!.GetValue<double>();
                for (var i = 0; i < f.Length; i++)
                {
                    f[i] /= factor;
                }

                break;
            case "llama3":
                Llama3(f, scaling!);
                break;
            case "longrope":
                break;
            case "yarn":
                Yarn(f, dim, theta, scaling!, maxPositions);
                break;
            case var other:
                throw new ExportException($"config.json rope_scaling type '{other}' is not supported; supported: default, mrope, linear, llama3, longrope, yarn.");
        }

        return f;
    }

    /// <summary>The cos and sin caches <c>[positions, frequencies.Length]</c> with an optional divisor per frequency and a magnitude factor.</summary>
    public static (float[] Cos, float[] Sin) Caches(double[] frequencies, int positions, IReadOnlyList<double>? divisors = null, double magnitude = 1.0)
    {
        var half = frequencies.Length;
        var cos = new float[(long)positions * half];
        var sin = new float[(long)positions * half];
        for (var p = 0; p < positions; p++)
        {
            for (var i = 0; i < half; i++)
            {
                var angle = p * (frequencies[i] / (divisors?[i] ?? 1.0));
                cos[(p * half) + i] = (float)(Math.Cos(angle) * magnitude);
                sin[(p * half) + i] = (float)(Math.Sin(angle) * magnitude);
            }
        }

        return (cos, sin);
    }

    /// <summary>LongRoPE's attention factor: <c>sqrt(1 + ln(max/original)/ln(original))</c> when the context is extended.</summary>
    public static double LongRopeMagnitude(JsonObject scaling, int maxPositions, int originalMax)
    {
        if (scaling["attention_factor"] is JsonValue v && v.TryGetValue<double>(out var explicitFactor))
        {
            return explicitFactor;
        }

        var scale = (double)maxPositions / originalMax;
        return scale <= 1.0 ? 1.0 : Math.Sqrt(1 + (Math.Log(scale) / Math.Log(originalMax)));
    }

    /// <summary>
    /// YaRN's attention factor (cos and sin are both multiplied by it): <c>attention_factor</c> when given, else
    /// <c>m(factor, mscale) / m(factor, mscale_all_dim)</c> when both are set, else <c>m(factor, 1)</c>, with
    /// <c>m(s, k) = 0.1·k·ln s + 1</c> for s &gt; 1 (1 otherwise).
    /// </summary>
    public static double YarnMagnitude(JsonObject scaling, int maxPositions)
    {
        if (Value(scaling, "attention_factor") is { } explicitFactor)
        {
            return explicitFactor;
        }

        var factor = YarnFactor(scaling, maxPositions);
        static double M(double s, double k) => s <= 1 ? 1.0 : (0.1 * k * Math.Log(s)) + 1.0;
        return Value(scaling, "mscale") is { } mscale and not 0 && Value(scaling, "mscale_all_dim") is { } all and not 0
            ? M(factor, mscale) / M(factor, all)
            : M(factor, 1);
    }

    /// <summary>
    /// YaRN: frequencies that turn fewer than beta_slow times over the original context are divided by factor
    /// (interpolated), those that turn more than beta_fast times kept (extrapolated), and a linear ramp over the
    /// dimensions between (correction range floored/ceiled unless truncate is false) blends the two.
    /// </summary>
    private static void Yarn(double[] f, int dim, double theta, JsonObject s, int maxPositions)
    {
        var factor = YarnFactor(s, maxPositions);
        var original = Value(s, "original_max_position_embeddings") ?? maxPositions;
        var fast = Value(s, "beta_fast") is { } bf and not 0 ? bf : 32.0;
        var slow = Value(s, "beta_slow") is { } bs and not 0 ? bs : 1.0;
        double Correction(double rotations) => dim * Math.Log(original / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));
        double low = Correction(fast), high = Correction(slow);
        if (s["truncate"] is not JsonValue t || !t.TryGetValue<bool>(out var truncate) || truncate)
        {
            (low, high) = (Math.Floor(low), Math.Ceiling(high));
        }

        (low, high) = (Math.Max(low, 0), Math.Min(high, dim - 1));
        if (low == high)
        {
            high += 0.001;
        }

        for (var i = 0; i < f.Length; i++)
        {
            var extrapolation = 1 - Math.Clamp((i - low) / (high - low), 0, 1);
            f[i] = (f[i] / factor * (1 - extrapolation)) + (f[i] * extrapolation);
        }
    }

    private static double YarnFactor(JsonObject s, int maxPositions) =>
        Value(s, "factor") ?? (maxPositions / (Value(s, "original_max_position_embeddings")
            ?? throw new ExportException("config.json rope_scaling (yarn) has neither factor nor original_max_position_embeddings.")));

    private static double? Value(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    /// <summary>Llama 3: long wavelengths divided by factor, short kept, the band between interpolated smoothly.</summary>
    private static void Llama3(double[] f, JsonObject s)
    {
        var factor = s["factor"]!.GetValue<double>();
        var low = s["low_freq_factor"]!.GetValue<double>();
        var high = s["high_freq_factor"]!.GetValue<double>();
        var original = s["original_max_position_embeddings"]!.GetValue<double>();
        var lowWavelength = original / low;
        var highWavelength = original / high;
        for (var i = 0; i < f.Length; i++)
        {
            var wavelength = 2 * Math.PI / f[i];
            if (wavelength > lowWavelength)
            {
                f[i] /= factor;
            }
            else if (wavelength >= highWavelength)
            {
                var smooth = ((original / wavelength) - low) / (high - low);
                f[i] = ((1 - smooth) * f[i] / factor) + (smooth * f[i]);
            }
        }
    }
}
