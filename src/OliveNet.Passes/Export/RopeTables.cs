using System.Text.Json.Nodes;

namespace OliveNet.Passes.Export;

/// <summary>
/// GroupQueryAttention's rotary caches: <c>cos[p, i] = cos(p·f_i)·m</c>, <c>sin[p, i] = sin(p·f_i)·m</c> for
/// positions p &lt; max_position_embeddings and i &lt; rotary_dim/2, with <c>f_i = 1/θ^(2i/d)</c> adjusted by the
/// checkpoint's <c>rope_scaling</c> (llama3, linear, longrope, yarn, HunYuan's NTK-alpha dynamic) and m the LongRoPE or
/// YaRN attention factor (1 otherwise). M-RoPE (Qwen2.5-VL's <c>mrope</c>, Qwen3-VL's <c>mrope_section</c> +
/// <c>mrope_interleaved</c>) takes each frequency's position from one of three components (time, height, width); text
/// has all three equal to the token's position, so whichever component a frequency reads — in sections or interleaved —
/// its angle is <c>p·f_i</c> and the tables are ordinary RoPE's. Computed in float64, stored as float32.
/// </summary>
internal static class RopeTables
{
    /// <summary>The rope_scaling kind ("llama3", "linear", "longrope", ...), or null.</summary>
    public static string? Kind(JsonObject? scaling) =>
        scaling is null ? null : (scaling["rope_type"] ?? scaling["type"])?.GetValue<string>();

    /// <summary>Inverse frequencies for <paramref name="dim"/> rotary dims with base <paramref name="theta"/> and the given scaling.</summary>
    /// <exception cref="ExportException">The scaling kind is not supported.</exception>
    /// <param name="maxPositions">max_position_embeddings (YaRN's default original context and its factor's numerator).</param>
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
            case "dynamic" when scaling!["alpha"] is JsonValue alpha:
                // HunYuan's NTK-alpha: a fixed larger base θ·α^(d/(d−2)) (no length-dependent update).
                var based = theta * Math.Pow(alpha.GetValue<double>(), dim / (dim - 2.0));
                for (var i = 0; i < f.Length; i++)
                {
                    f[i] = 1.0 / Math.Pow(based, 2.0 * i / dim);
                }

                break;
            case var other:
                throw new ExportException($"config.json rope_scaling type '{other}' is not supported; supported: default, mrope, linear, llama3, longrope, yarn, dynamic with alpha (HunYuan).");
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
    /// YaRN's attention factor (the magnitude of cos and sin): <c>attention_factor</c> when given, else
    /// <c>0.1·ln(s) + 1</c> for the scale s (or the ratio of two such terms with <c>mscale</c>/<c>mscale_all_dim</c>), 1 when s ≤ 1.
    /// </summary>
    public static double YarnMagnitude(JsonObject scaling, int maxPositions)
    {
        if (scaling["attention_factor"] is JsonValue v && v.TryGetValue<double>(out var explicitFactor))
        {
            return explicitFactor;
        }

        var factor = YarnFactor(scaling, maxPositions);
        static double M(double scale, double m) => scale <= 1 ? 1.0 : (0.1 * m * Math.Log(scale)) + 1.0;
        var mscale = scaling["mscale"]?.GetValue<double>() ?? 0;
        var mscaleAllDim = scaling["mscale_all_dim"]?.GetValue<double>() ?? 0;
        return mscale != 0 && mscaleAllDim != 0 ? M(factor, mscale) / M(factor, mscaleAllDim) : M(factor, 1);
    }

    /// <summary>YaRN's scale: max_position_embeddings / original_max_position_embeddings when the original is given, else <c>factor</c>.</summary>
    private static double YarnFactor(JsonObject s, int maxPositions) =>
        s["original_max_position_embeddings"] is JsonValue o && o.TryGetValue<double>(out var original) && maxPositions > 0
            ? maxPositions / original
            : s["factor"]?.GetValue<double>() ?? throw new ExportException("config.json rope_scaling type 'yarn' needs 'factor'.");

    /// <summary>
    /// YaRN: each frequency blends the interpolated <c>f/s</c> and the original <c>f</c> by a linear ramp over rotary dims,
    /// from those that turn <c>beta_fast</c> times (kept) to those that turn <c>beta_slow</c> times (interpolated) within the
    /// original context; the ramp's ends are floored/ceiled unless <c>truncate</c> is false.
    /// </summary>
    private static void Yarn(double[] f, int dim, double theta, JsonObject s, int maxPositions)
    {
        var factor = YarnFactor(s, maxPositions);
        var original = s["original_max_position_embeddings"]?.GetValue<double>() ?? maxPositions;
        var betaFast = s["beta_fast"]?.GetValue<double>() is { } bf and not 0 ? bf : 32;
        var betaSlow = s["beta_slow"]?.GetValue<double>() is { } bs and not 0 ? bs : 1;
        double CorrectionDim(double rotations) => dim * Math.Log(original / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));
        double low = CorrectionDim(betaFast), high = CorrectionDim(betaSlow);
        if (s["truncate"]?.GetValue<bool>() ?? true)
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
            var ramp = Math.Clamp((i - low) / (high - low), 0, 1);
            var keep = 1 - ramp;
            f[i] = (f[i] / factor * (1 - keep)) + (f[i] * keep);
        }
    }

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
