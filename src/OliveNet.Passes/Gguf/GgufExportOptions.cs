using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Gguf;

/// <summary>Options of <see cref="GgufExportPass"/>.</summary>
public sealed record GgufExportOptions
{
    /// <summary>The llama.cpp file format.</summary>
    [Option(
        "llama.cpp file format: F32, F16, BF16, Q8_0, Q5_1, Q5_0, Q4_1, Q4_0, Q6_K, Q5_K_M, Q5_K, Q4_K or Q4_K_M (llama-quantize's mixed recipes: Q4_K or Q5_K with Q6_K for the output and for about a third of attn_v/ffn_down). Norms stay F32; in quantized files the output projection is Q6_K (Q8_0 in Q8_0 files); rows that do not fill a block fall back as llama.cpp does (Q4_K→Q5_0, Q5_K→Q5_1, Q6_K→Q8_0, else F16).",
        Candidates = new object[] { "Q4_K_M", "Q4_0", "Q5_1", "Q8_0", "F16" })]
    public string Quantization { get; init; } = "Q4_K_M";

    /// <summary>llama-quantize's --pure.</summary>
    [Option("Every weight matrix in the format's base type (llama-quantize --pure): no Q6_K output projection or tied embedding, no Q4_K_M/Q5_K_M mix. Smaller and faster to decode; the output projection is the most quantization-sensitive tensor, so it costs quality.")]
    public bool Pure { get; init; }

    /// <summary>The context length the Ollama Modelfile asks for (num_ctx).</summary>
    [Option("Context length written to the Ollama Modelfile (PARAMETER num_ctx); 0 uses min(max_position_embeddings, 4096).")]
    public int NumCtx { get; init; }
}
