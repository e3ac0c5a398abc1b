using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Export;

/// <summary>Options of <see cref="ModelBuilderPass"/>, named as Olive's ModelBuilder pass names them.</summary>
[OliveOption(
    "extra_options",
    Entries = new[] { "int4_accuracy_level=int4_accuracy_level", "int4_block_size=int4_block_size", "int4_is_symmetric=int4_is_symmetric", "exclude_embeds=exclude_embeds", "exclude_lm_head=exclude_lm_head", "filename" },
    Ignored = "OliveNet always names the exported file model.onnx")]
[OliveOption("enable_cuda_graph", Ignored = "CUDA graphs are a GPU run-time setting; the exported CPU model is the same")]
[OliveOption("int4_op_types_to_quantize", Unsupported = "OliveNet's int4 export quantizes MatMul weights only", NeutralJson = "[\"MatMul\"]")]
[OliveOption("int4_algo_config", Unsupported = "OliveNet's int4 export rounds to nearest (RTN) only", NeutralJson = "\"rtn\"")]
[OliveOption("metadata_only", Unsupported = "OliveNet always exports the whole model", NeutralJson = "false")]
[OliveOption("include_hidden_states", Unsupported = "a hidden_states output beside logits is not implemented (exclude_lm_head outputs hidden_states instead of logits)", NeutralJson = "false")]
[OliveOption("use_qdq", Unsupported = "OliveNet writes int4 weights as MatMulNBits only", NeutralJson = "false")]
[OliveOption("int4_nodes_to_exclude", Unsupported = "every MatMul weight is quantized; leaving nodes out is not implemented", NeutralJson = "null")]
[OliveOption("search", Ignored = "generation search settings go to genai_config.json, which OliveNet writes with the GenAI builder's defaults")]
public sealed record ModelBuilderOptions
{
    /// <summary>Weight precision: fp32, fp16, int8 or int4.</summary>
    [Option("Precision of the exported model: fp32, fp16 (weights and activations), int8 or int4 (MatMul weights as com.microsoft.MatMulNBits written straight from the checkpoint, activations fp32).", Candidates = new object[] { "int4", "int8", "fp16", "fp32" })]
    public string Precision { get; init; } = "int4";

    /// <summary>K values per quantization block for int4/int8.</summary>
    [Option("K values per quantization block for int4/int8 MatMul weights: a power of two from 16 to 256.", Candidates = new object[] { 32, 64, 128 })]
    public int Int4BlockSize { get; init; } = 32;

    /// <summary>Symmetric int4/int8 blocks (no zero points).</summary>
    [Option("Symmetric int4/int8 blocks (signed absmax scale, no zero points) or asymmetric (min/max scale plus a zero point per block).", Candidates = new object[] { true, false })]
    public bool Int4IsSymmetric { get; init; } = true;

    /// <summary>MatMulNBits accuracy_level.</summary>
    [Option("MatMulNBits accuracy_level: 0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 activations (the GenAI builder's CPU default).", Candidates = new object[] { 4, 1 })]
    public int Int4AccuracyLevel { get; init; } = 4;

    /// <summary>Take inputs_embeds instead of input_ids (no embedding Gather in the graph).</summary>
    [Option("Leave the token embedding out: the model takes inputs_embeds [batch, sequence, hidden] instead of input_ids.")]
    public bool ExcludeEmbeds { get; init; }

    /// <summary>Output the final hidden states instead of logits.</summary>
    [Option("Leave the LM head out: the model outputs hidden_states [batch, sequence, hidden] instead of logits.")]
    public bool ExcludeLmHead { get; init; }

    /// <summary>The execution provider the model is built for.</summary>
    [Option("Execution provider the graph is laid out for; only cpu is supported (the CPU layout also loads on other EPs).", Candidates = new object[] { "cpu" })]
    public string ExecutionProvider { get; init; } = "cpu";
}
