namespace OliveNet.Passes.Quantization.Static;

/// <summary>What <see cref="QOperatorWriter"/> did: QLinear ops written by type, targets left in QDQ form, and the Q/DQ left.</summary>
internal sealed record QOperatorStats(
    IReadOnlyDictionary<string, int> Written,
    IReadOnlyDictionary<string, int> LeftQdq,
    int QuantizeLinear,
    int DequantizeLinear)
{
    /// <summary>One log sentence.</summary>
    public string Describe() =>
        $"QOperator: wrote {(Written.Count == 0 ? "no QLinear op" : string.Join(", ", Written.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Value} {kv.Key}")))}" +
        $"{(LeftQdq.Count == 0 ? string.Empty : $"; left in QDQ form: {string.Join(", ", LeftQdq.Select(kv => $"{kv.Value} {kv.Key}"))}")}" +
        $"; {QuantizeLinear} QuantizeLinear and {DequantizeLinear} DequantizeLinear remain at float boundaries.";
}
