using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Fusion;

/// <summary>
/// Options of <see cref="OrtTransformersOptimizationPass"/>, named as Olive names them. <see cref="OptLevel"/>,
/// <see cref="FuseAttention"/> (with <see cref="NumHeads"/> and <see cref="HiddenSize"/> as filters) and
/// <see cref="SizeThreshold"/> change the output; the other transformer-specific options are accepted so Olive recipes
/// bind, because ONNX Runtime's session optimizer finds its fusions from the graph itself.
/// </summary>
[OliveOption(
    "optimization_options",
    Entries = new[]
    {
        "enable_attention=fuse_attention", "enable_gelu", "enable_layer_norm", "enable_skip_layer_norm", "enable_bias_skip_layer_norm",
        "enable_bias_gelu", "enable_gelu_approximation", "enable_qordered_matmul", "enable_shape_inference", "enable_gemm_fast_gelu",
        "enable_nhwc_conv", "enable_group_norm", "enable_skip_group_norm", "enable_bias_splitgelu", "enable_packed_qkv", "enable_packed_kv",
        "enable_bias_add", "enable_rotary_embeddings", "enable_embed_layer_norm", "use_multi_head_attention", "disable_multi_head_attention_bias",
        "use_group_norm_channels_last", "group_norm_channels_last", "attention_mask_format", "use_raw_attention_mask", "disable_attention_mask",
    },
    Ignored = "OliveNet's fusions other than attention are not switched one by one (ONNX Runtime's own level-2 optimizations apply as opt_level says)")]
[OliveOption("force_fp32_ops", Ignored = "it applies only with float16: true; OliveNet converts to float16 in an OnnxFloatToFloat16 pass, whose op_block_list keeps op types float32")]
[OliveOption("force_fp32_nodes", Ignored = "it applies only with float16: true; OliveNet converts to float16 in an OnnxFloatToFloat16 pass, whose node_block_list keeps nodes float32")]
[OliveOption("force_fp16_inputs", Ignored = "it applies only with float16: true, which OliveNet does in an OnnxFloatToFloat16 pass")]
[OliveOption("use_gqa", Unsupported = "GroupQueryAttention fusion (a float16 GPU form) is not implemented", NeutralJson = "false")]
[OliveOption("input_int32", Unsupported = "converting int64 inputs to int32 is not implemented", NeutralJson = "false")]
[OliveOption("num_key_value_heads", Ignored = "it is read only by GroupQueryAttention fusion (use_gqa), which OliveNet does not do")]
public sealed record OrtTransformersOptimizationOptions
{
    /// <summary>ONNX Runtime graph optimization level.</summary>
    [Option(
        "ONNX Runtime graph optimization level: 0 none (the model is only re-serialized), 1 basic (EP-neutral rewrites), " +
        "2 extended (adds com.microsoft fused ops such as FusedConv, Gelu, Attention), 99 all (adds the CPU's NCHWc layout). " +
        "Levels above 1 emit ops that only the execution provider they were fused for runs.",
        Candidates = new object[] { 1, 2 })]
    public int OptLevel { get; init; } = 2;

    /// <summary>Informational (Olive compatibility).</summary>
    [Option("Model family (bert, gpt2, …) in Olive; informational here: ONNX Runtime detects fusible patterns from the graph.")]
    public string? ModelType { get; init; }

    /// <summary>Attention head count (0 = read from the graph); a filter for <see cref="FuseAttention"/>.</summary>
    [Option("Attention head count (0 = read from each attention's Reshape to heads). When set, the attention fusion leaves subgraphs with another head count alone.")]
    public int NumHeads { get; init; }

    /// <summary>Hidden size (0 = read from the graph); a filter for <see cref="FuseAttention"/>.</summary>
    [Option("Hidden size (0 = read from the weights). When set, the attention fusion leaves subgraphs with another hidden size alone.")]
    public int HiddenSize { get; init; }

    /// <summary>OliveNet's own BERT self-attention fusion into com.microsoft.Attention, before ONNX Runtime's optimizer.</summary>
    [Option(
        "Fuse BERT-style multi-head self-attention (Q/K/V MatMul+Add, heads Reshape/Transpose, QKᵀ scaled by Div/Mul, optional " +
        "additive mask, Softmax, ·V, merge) into one com.microsoft.Attention before ONNX Runtime's own fusions, as Olive's " +
        "onnxruntime.transformers optimizer does for BERT (ONNX Runtime's session optimizer does not match PyTorch's export). " +
        "Applies from opt_level 2, since Attention is a com.microsoft op, and not with only_onnxruntime: true; the mask becomes " +
        "an int32 [batch, sequence] mask_index.",
        Candidates = new object[] { true, false })]
    public bool FuseAttention { get; init; } = true;

    /// <summary>Whether the model is meant for a GPU; true is rejected for a CPU target.</summary>
    [Option("Optimize for a GPU execution provider. Rejected when the target device is cpu; otherwise informational: fusion always runs with the target's execution provider.")]
    public bool UseGpu { get; init; }

    /// <summary>Olive: only ONNX Runtime's optimizer; turns OliveNet's own attention fusion off, as it turns off Olive's Python fusions.</summary>
    [Option("Olive: use only ONNX Runtime's optimizer, not the Python fusion scripts. Here true turns off fuse_attention, OliveNet's counterpart of those scripts.")]
    public bool OnlyOnnxruntime { get; init; }

    /// <summary>Not supported; true fails validation.</summary>
    [Option("Convert to float16 after fusion. Not supported by this pass: add an OnnxFloatToFloat16 pass after it instead.")]
    public bool Float16 { get; init; }

    /// <summary>Informational (only matters with <see cref="Float16"/>).</summary>
    [Option("Keep float32 model inputs and outputs when converting to float16; informational since float16 is not supported here.")]
    public bool KeepIoTypes { get; init; } = true;

    /// <summary>Informational: the output always puts large weights in <c>model.onnx.data</c>.</summary>
    [Option("Olive: save weights as external data. OliveNet always writes initializers of at least size_threshold bytes to model.onnx.data for this pass.")]
    public bool SaveAsExternalData { get; init; }

    /// <summary>Bytes from which an initializer goes to <c>model.onnx.data</c>.</summary>
    [Option("Initializers of at least this many bytes go to model.onnx.data; smaller ones (shape constants) stay inline.")]
    public long SizeThreshold { get; init; } = 1024;
}
