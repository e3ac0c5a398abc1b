using System.Text.Json.Nodes;

namespace OliveNet.Passes.Export;

/// <summary>
/// GroupQueryAttention's rotary caches: <c>cos[p, i] = cos(p·f_i)·m</c>, <c>sin[p, i] = sin(p·f_i)·m</c> for
/// positions p &lt; max_position_embeddings and i &lt; rotary_dim/2, with <c>f_i = 1/θ^(2i/d)</c> adjusted by the
/// checkpoint's <c>rope_scaling</c> (llama3, linear, longrope) and m the LongRoPE attention factor (1 otherwise).
/// Computed in float64, stored as float32.
/// </summary>
internal static class RopeTables
{
    /// <summary>The rope_scaling kind ("llama3", "linear", "longrope", ...), or null.</summary>
    public static string? Kind(JsonObject? scaling) =>
        scaling is null ? null : (scaling["rope_type"] ?? scaling["type"])?.GetValue<string>();

    /// <summary>Inverse frequencies for <paramref name="dim"/> rotary dims with base <paramref name="theta"/> and the given scaling.</summary>
    /// <exception cref="ExportException">The scaling kind is not supported.</exception>
    public static double[] InverseFrequencies(int dim, double theta, JsonObject? scaling)
    {
        var f = new double[dim / 2];
        for (var i = 0; i < f.Length; i++)
        {
            f[i] = 1.0 / Math.Pow(theta, 2.0 * i / dim);
        }

        switch (Kind(scaling))
        {
            case null or "default":
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
            case var other:
                throw new ExportException($"config.json rope_scaling type '{other}' is not supported; supported: default, linear, llama3, longrope.");
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
