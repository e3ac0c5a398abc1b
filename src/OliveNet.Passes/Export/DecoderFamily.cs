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

    /// <summary>Ministral 3 (Mistral 3's text decoder): Llama layers, yarn rope, queries scaled by position (llama_4_scaling_beta).</summary>
    Ministral3,

    /// <summary>Qwen3.5 text decoder: Gated DeltaNet (linear attention) layers with gated full-attention layers, (1+w) norms.</summary>
    Qwen35,

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

        // Vision-language checkpoints: their text decoder (MultimodalConfig; Mistral 3's family follows its text_config).
        ("Qwen3VLForConditionalGeneration", DecoderFamily.Qwen3),
        ("Qwen2_5_VLForConditionalGeneration", DecoderFamily.Qwen2),
        ("Gemma3ForConditionalGeneration", DecoderFamily.Gemma3),
        ("Mistral3ForConditionalGeneration", DecoderFamily.Ministral3),

        // Qwen3.5: hybrid Gated DeltaNet / gated attention text decoder (the wrapper or the text-only model).
        ("Qwen3_5ForConditionalGeneration", DecoderFamily.Qwen35),
        ("Qwen3_5ForCausalLM", DecoderFamily.Qwen35),

        // Decoder-only families added with their Olive CPU recipes.
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
