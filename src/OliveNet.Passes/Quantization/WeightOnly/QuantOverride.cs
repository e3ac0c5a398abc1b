using System.Text.Json.Serialization;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>Per-module settings that replace the pass defaults (Olive's override entry); unset fields keep the default.</summary>
public sealed record QuantOverride
{
    /// <summary>Bits (2, 4, 8).</summary>
    [JsonPropertyName("bits")]
    public int? Bits { get; init; }

    /// <summary>Group size (−1 per-channel).</summary>
    [JsonPropertyName("group_size")]
    public int? GroupSize { get; init; }

    /// <summary>Symmetric groups.</summary>
    [JsonPropertyName("symmetric")]
    public bool? Symmetric { get; init; }
}
