using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Export;

/// <summary>Options of <see cref="ModelBuilderPass"/>, named as Olive's ModelBuilder pass names them.</summary>
[OliveOption(
    "extra_options",
    Entries = new[]
    {
        "int4_accuracy_level=int4_accuracy_level", "int4_block_size=int4_block_size", "int4_is_symmetric=int4_is_symmetric",
        "int4_op_types_to_quantize=int4_op_types_to_quantize", "int4_nodes_to_exclude=int4_nodes_to_exclude", "int4_algo_config=int4_algo_config",
        "accuracy_level=int4_accuracy_level", "block_size=int4_block_size", "is_symmetric=int4_is_symmetric",
        "op_types_to_quantize=int4_op_types_to_quantize", "nodes_to_exclude=int4_nodes_to_exclude", "algo_config=int4_algo_config",
        "exclude_embeds=exclude_embeds", "exclude_lm_head=exclude_lm_head", "include_hidden_states=include_hidden_states",
        "prune_lm_head=prune_lm_head", "filename", "enable_cuda_graph", "hf_token", "hf_remote",
    },
    Ignored = "every OliveNet artifact names its model file model.onnx (filename), CUDA graph capture is a GPU run-time setting (the CPU model is the same), and the checkpoint is read from a local folder (no Hugging Face login or remote code)")]
[OliveOption("enable_cuda_graph", Ignored = "CUDA graph capture is a GPU run-time setting; the exported CPU model is the same")]
[OliveOption("metadata_only", Unsupported = "writing genai_config.json alone for an existing ONNX model is not implemented; export the checkpoint", NeutralJson = "false")]
[OliveOption("use_qdq", Unsupported = "OliveNet writes int4 weights as MatMulNBits only (MatMulNBitsToQDQ converts them afterwards)", NeutralJson = "false")]
[OliveOption("search", Ignored = "generation search settings go to genai_config.json, which OliveNet writes with the GenAI builder's defaults")]
public sealed record ModelBuilderOptions
{
    /// <summary>Weight precision: fp32, fp16, int8 or int4.</summary>
    [Option("Precision of the exported model: fp32, fp16 (weights and activations), int8 or int4 (MatMul weights as com.microsoft.MatMulNBits written straight from the checkpoint, activations fp32).", Candidates = new object[] { "int4", "int8", "fp16", "fp32" })]
    public string Precision { get; init; } = "int4";

    /// <summary>K values per quantization block for int4/int8.</summary>
    [Option("K values per quantization block for int4/int8 weights: a power of two from 16 to 256. 64 (4.5 bits per weight with fp32 scales, as many bytes as llama.cpp's Q4_0) is the default; 32 (the GenAI builder's default) keeps int4 perplexity a little closer to fp32, 128 makes the file smaller.", Candidates = new object[] { 64, 32, 128 })]
    public int Int4BlockSize { get; init; } = 64;

    /// <summary>Symmetric int4/int8 blocks (no zero points).</summary>
    [Option("Symmetric int4/int8 blocks (signed absmax scale, no zero points) or asymmetric (min/max scale plus a zero point per block).", Candidates = new object[] { true, false })]
    public bool Int4IsSymmetric { get; init; } = true;

    /// <summary>MatMulNBits accuracy_level.</summary>
    [Option("MatMulNBits accuracy_level: 0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 activations (the GenAI builder's CPU default; ONNX Runtime falls back to fp32 compute on CPUs without the int8 kernels).", Candidates = new object[] { 4, 1 })]
    public int Int4AccuracyLevel { get; init; } = 4;

    /// <summary>Which weights int4/int8 quantizes: MatMul (projections, LM head) and Gather (the token embedding).</summary>
    [Option("Op types whose weights int4/int8 quantizes: MatMul (projections and LM head, as MatMulNBits) and Gather (the token embedding, as com.microsoft.GatherBlockQuantized). With both and tied embeddings, the embedding and the LM head share one quantized table.")]
    public string[] Int4OpTypesToQuantize { get; init; } = ["MatMul", "Gather"];

    /// <summary>Node names left in float (e.g. /model/lm_head/MatMul, /model/embed_tokens/Gather).</summary>
    [Option("Node names whose weights stay float in int4/int8 exports, e.g. /model/lm_head/MatMul or /model/layers.0/mlp/down_proj/MatMul or /model/embed_tokens/Gather.")]
    public string[] Int4NodesToExclude { get; init; } = [];

    /// <summary>The GenAI builder's algo_config: which weights get 8 bits in an int4 export.</summary>
    [Option("Weight quantization recipe (the GenAI builder's algo_config): default and rtn round every block to nearest; rtn_last and k_quant_last keep the LM head in 8 bits; k_quant_mixed also the most sensitive layers' qkv/v/down projections (first and last eighth and every third layer, llama.cpp's mix); k_quant_linear equals k_quant_last here (no linear-attention layers). default, rtn and rtn_last round every block to nearest; the k_quant recipes search each block's scale and zero point to minimise its importance-weighted squared error (llama.cpp's make_qkx weighting, as ONNX Runtime's k-quant quantizer), never above round-to-nearest's.", Candidates = new object[] { "rtn", "k_quant_mixed" })]
    public string Int4AlgoConfig { get; init; } = "default";

    /// <summary>Compute logits only for the last position.</summary>
    [Option("Compute logits for the last position only (output [batch, 1, vocab]): prefill skips the LM head for every prompt token but the last, as generation needs. ONNX Runtime GenAI detects it from the output shape; OliveNet's perplexity evaluation restores the full-logits graph when it loads the model.")]
    public bool PruneLmHead { get; init; } = true;

    /// <summary>Also output the final hidden states beside the logits.</summary>
    [Option("Also output hidden_states [batch, sequence, hidden] (the final norm's output) beside logits, e.g. for embedding models.")]
    public bool IncludeHiddenStates { get; init; }

    /// <summary>Take inputs_embeds instead of input_ids (no embedding Gather in the graph).</summary>
    [Option("Leave the token embedding out: the model takes inputs_embeds [batch, sequence, hidden] instead of input_ids.")]
    public bool ExcludeEmbeds { get; init; }

    /// <summary>Output the final hidden states instead of logits.</summary>
    [Option("Leave the LM head out: the model outputs hidden_states [batch, sequence, hidden] instead of logits.")]
    public bool ExcludeLmHead { get; init; }

    /// <summary>One MatMul(NBits) for gate and up projections, split after.</summary>
    [Option("Fuse each MLP's gate and up projections into one MatMul/MatMulNBits whose output is split in two (one kernel call and one read of the activations instead of two).", Candidates = new object[] { false, true })]
    public bool FuseGateUp { get; init; }


    /// <summary>The execution provider the model is built for.</summary>
    [Option("Execution provider the graph is laid out for; only cpu is supported (the CPU layout also loads on other EPs).", Candidates = new object[] { "cpu" })]
    public string ExecutionProvider { get; init; } = "cpu";
}
