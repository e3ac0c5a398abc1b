using System.Text.Json.Nodes;

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
internal sealed record HubQuantizationConfig(string Method, int Bits, int GroupSize, int ZeroOffset)
{
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

        if (q["dynamic"] is JsonObject { Count: > 0 })
        {
            throw new FormatException(
                "quantization_config.dynamic sets per-module GPTQ settings, which ModelBuilder does not read yet; export a checkpoint quantized with one bits/group_size for every module.");
        }

        var format = (q["checkpoint_format"] ?? q["format"])?.GetValue<string>()?.ToLowerInvariant() ?? "gptq";
        var offset = format switch
        {
            "gptq" => 1,
            "gptq_v2" => 0,
            _ => throw new FormatException(
                $"quantization_config.checkpoint_format is '{format}'; ModelBuilder converts the gptq and gptq_v2 layouts (Marlin, BitBLAS and IPEX repack codes for their kernels)."),
        };
        return new HubQuantizationConfig(method, bits, group, offset);
    }

    /// <summary>Input rows per group for a weight with <paramref name="columns"/> input rows.</summary>
    public int GroupOf(int columns) => GroupSize == -1 ? columns : GroupSize;

    private static int Int(JsonObject q, string key, string method) =>
        q[key] is JsonValue v && v.TryGetValue<int>(out var i) ? i
        : throw new FormatException($"quantization_config has no integer '{key}'; a {method} checkpoint's config names bits and group_size.");
}
