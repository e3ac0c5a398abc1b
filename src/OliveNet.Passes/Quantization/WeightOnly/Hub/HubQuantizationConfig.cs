using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OliveNet.Passes.Quantization.WeightOnly.Hub;

/// <summary>
/// The <c>quantization_config</c> of a checkpoint quantized on the Hugging Face Hub by GPTQ (AutoGPTQ/GPTQModel,
/// <c>"quant_method": "gptq"</c>) or AWQ (AutoAWQ's GEMM layout, <c>"quant_method": "awq"</c>): the settings every
/// quantized linear shares. ModelBuilder converts such a checkpoint's blocks into MatMulNBits (see
/// <see cref="HubPackedReader"/>); the checkpoint passes (Rtn, Gptq) do not take it as input.
/// </summary>
/// <param name="Method">gptq or awq.</param>
/// <param name="Bits">Bits per code: 2, 4 or 8 for GPTQ, 4 for AWQ.</param>
/// <param name="GroupSize">Input rows per group, or −1 for one group per output column.</param>
/// <param name="ZeroOffset">Added to each stored zero point (modulo 2^bits): 1 for GPTQ's original layout, which stores zero − 1; 0 for gptq_v2 and AWQ.</param>
/// <param name="Dynamic">GPTQModel's per-module overrides (<c>dynamic</c>): a regular expression matched at the start of the
/// module name (as Python's <c>re.match</c>), with the bits and group size it sets; the first match wins. Negative
/// (<c>-:</c>) entries are not listed: the modules they skip are float in the checkpoint.</param>
internal sealed record HubQuantizationConfig(string Method, int Bits, int GroupSize, int ZeroOffset, IReadOnlyList<HubQuantizationConfig.Override>? Dynamic = null)
{
    /// <summary>One <c>dynamic</c> entry.</summary>
    public sealed record Override(string Pattern, int? Bits, int? GroupSize);

    /// <summary>The quant_method values this reads.</summary>
    public static readonly string[] Methods = ["gptq", "awq"];

    /// <summary>Whether <paramref name="config"/>'s <c>quantization_config</c> names a Hub method this reads.</summary>
    public static bool Applies(JsonObject config) =>
        config[QuantizationConfig.Key] is JsonObject q && q["quant_method"] is JsonValue m && m.TryGetValue<string>(out var method)
        && Methods.Contains(method.ToLowerInvariant());

    /// <summary>The settings in config.json's <c>quantization_config</c>.</summary>
    /// <exception cref="FormatException">A setting is missing or not one ModelBuilder can convert; the message says which and what to do.</exception>
    public static HubQuantizationConfig Read(JsonObject config)
    {
        var q = (JsonObject)config[QuantizationConfig.Key]!;
        var method = q["quant_method"]!.GetValue<string>().ToLowerInvariant();
        var bits = Int(q, "bits", method);
        var group = Int(q, "group_size", method);
        if (group == 0 || group < -1)
        {
            throw new FormatException($"quantization_config.group_size is {group}; a {method} checkpoint has a positive group size or −1 (per channel).");
        }

        if (method == "awq")
        {
            var version = (q["version"]?.GetValue<string>() ?? "gemm").ToLowerInvariant();
            if (version != "gemm")
            {
                throw new FormatException(
                    $"quantization_config.version is '{version}'; ModelBuilder converts AutoAWQ's GEMM layout only (GEMV, Marlin and ExLlama packings interleave codes for their GPU kernels). Re-quantize with version gemm, or export the float checkpoint with int4.");
            }

            if (bits != 4)
            {
                throw new FormatException($"quantization_config.bits is {bits}; AutoAWQ's GEMM layout is 4-bit.");
            }

            if (q["zero_point"] is JsonValue z && !z.GetValue<bool>())
            {
                throw new FormatException("quantization_config.zero_point is false; ModelBuilder converts AWQ checkpoints with zero points (AutoAWQ's default) only.");
            }

            return new HubQuantizationConfig(method, bits, group, 0);
        }

        if (bits is not (2 or 4 or 8))
        {
            throw new FormatException($"quantization_config.bits is {bits}; MatMulNBits takes 2, 4 or 8-bit GPTQ codes (3-bit codes straddle the int32 words).");
        }

        var dynamic = ReadDynamic(q["dynamic"] as JsonObject);

        var format = (q["checkpoint_format"] ?? q["format"])?.GetValue<string>()?.ToLowerInvariant() ?? "gptq";
        var offset = format switch
        {
            "gptq" => 1,
            "gptq_v2" => 0,
            _ => throw new FormatException(
                $"quantization_config.checkpoint_format is '{format}'; ModelBuilder converts the gptq and gptq_v2 layouts (Marlin, BitBLAS and IPEX repack codes for their kernels)."),
        };
        return new HubQuantizationConfig(method, bits, group, offset, dynamic);
    }

    /// <summary>The bits and group size of <paramref name="module"/> (e.g. <c>model.layers.0.mlp.up_proj</c>).</summary>
    public (int Bits, int GroupSize) For(string module)
    {
        var o = Dynamic?.FirstOrDefault(d => Regex.IsMatch(module, $"^(?:{d.Pattern})", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
        return (o?.Bits ?? Bits, o?.GroupSize ?? GroupSize);
    }

    private static List<Override> ReadDynamic(JsonObject? dynamic)
    {
        var result = new List<Override>();
        foreach (var (key, value) in dynamic ?? [])
        {
            if (key.StartsWith("-:", StringComparison.Ordinal))
            {
                continue;
            }

            var pattern = key.StartsWith("+:", StringComparison.Ordinal) ? key[2..] : key;
            try
            {
                _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"quantization_config.dynamic key '{key}' is not a regular expression ({e.Message}).", e);
            }

            var bits = value?["bits"] is JsonValue b ? b.GetValue<int>() : (int?)null;
            if (bits is { } n && n is not (2 or 4 or 8))
            {
                throw new FormatException($"quantization_config.dynamic '{key}' sets bits {n}; MatMulNBits takes 2, 4 or 8-bit GPTQ codes.");
            }

            result.Add(new Override(pattern, bits, value?["group_size"] is JsonValue g ? g.GetValue<int>() : null));
        }

        return result;
    }

    private static int Int(JsonObject q, string key, string method) =>
        q[key] is JsonValue v && v.TryGetValue<int>(out var i) ? i
        : throw new FormatException($"quantization_config has no integer '{key}'; a {method} checkpoint's config names bits and group_size.");
}
