namespace OliveNet.Passes.Export;

/// <summary>The decoder families ModelBuilder exports; each maps from <c>config.architectures[0]</c>.</summary>
internal enum DecoderFamily
{
    /// <summary>Llama 2/3 (incl. llama3 rope scaling).</summary>
    Llama,

    /// <summary>Mistral (sliding-window attention).</summary>
    Mistral,

    /// <summary>Qwen2 / Qwen2.5 (q/k/v biases).</summary>
    Qwen2,

    /// <summary>Qwen3 (q/k RMS norms, explicit head_dim).</summary>
    Qwen3,

    /// <summary>Phi-3 / Phi-4-mini (fused qkv and gate_up, partial rotary, LongRoPE).</summary>
    Phi3,

    /// <summary>Gemma 3 text (1+w norms, embedding scale, GELU-tanh, q/k norms, local/global layers).</summary>
    Gemma3,

    /// <summary>SmolLM3 (Llama layout; NoPE layers from no_rope_layers, tied).</summary>
    SmolLM3,

    /// <summary>OLMo 3 (no pre-norms: norms after attention and MLP; q/k norms over the whole projection; sliding/full layers, YaRN on full layers).</summary>
    Olmo3,

    /// <summary>HunYuan dense V1 (q/k RMS norms per head after RoPE, so RoPE runs before attention; NTK-alpha base).</summary>
    HunYuanDense,
}

/// <summary>Architecture names → families.</summary>
internal static class DecoderFamilies
{
    private static readonly (string Architecture, DecoderFamily Family)[] Map =
    [
        ("LlamaForCausalLM", DecoderFamily.Llama),
        ("MistralForCausalLM", DecoderFamily.Mistral),
        ("Qwen2ForCausalLM", DecoderFamily.Qwen2),
        ("Qwen3ForCausalLM", DecoderFamily.Qwen3),
        ("Phi3ForCausalLM", DecoderFamily.Phi3),
        ("Gemma3ForCausalLM", DecoderFamily.Gemma3),
        ("SmolLM3ForCausalLM", DecoderFamily.SmolLM3),
        ("Olmo3ForCausalLM", DecoderFamily.Olmo3),
        ("HunYuanDenseV1ForCausalLM", DecoderFamily.HunYuanDense),
    ];

    /// <summary>Every supported architecture name.</summary>
    public static IReadOnlyList<string> Supported { get; } = Map.Select(m => m.Architecture).ToArray();

    /// <summary>The family of <paramref name="architecture"/>, or null when unsupported.</summary>
    public static DecoderFamily? Of(string architecture) =>
        Map.Where(m => m.Architecture == architecture).Select(m => (DecoderFamily?)m.Family).FirstOrDefault();
}
