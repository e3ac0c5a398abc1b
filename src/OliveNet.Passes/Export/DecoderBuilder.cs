using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Export.Onnx;

namespace OliveNet.Passes.Export;

/// <summary>
/// Builds the GenAI CPU decoder graph for one checkpoint: mask preprocessing (seqlens_k, total_sequence_length),
/// embedding (Gather, or GatherBlockQuantized on an int4/int8 table that a tied LM head shares), per layer
/// (Skip)SimplifiedLayerNormalization → packed QKV → GroupQueryAttention with fused rotary → o_proj → norm → gated MLP
/// (gate and up optionally fused), final norm and LM head (optionally on the last position only); KV cache as
/// <c>past_key_values.%d.key/value</c> →
/// <c>present.%d.key/value</c>. Weights stream into the external data file as each node is added.
/// </summary>
internal sealed partial class DecoderBuilder
{
    private readonly HfConfig _c;
    private readonly WeightReader _w;
    private readonly GraphBuilder _g;
    private readonly ExportSettings _s;
    private string _seqlensK = string.Empty;
    private string _totalSeqLen = string.Empty;
    private string _totalSeqLen64 = string.Empty;

    /// <summary>The LM head's MatMulNBits inputs (after A) and bits when it shares the embedding's quantized table.</summary>
    private (List<string> Inputs, int Bits)? _sharedHead;
    private readonly HashSet<string> _mixedLayerNodes;

    /// <summary>Creates a builder.</summary>
    public DecoderBuilder(HfConfig config, WeightReader weights, GraphBuilder graph, ExportSettings settings)
    {
        _c = config;
        _w = weights;
        _g = graph;
        _s = settings;
        _mixedLayerNodes = MixedLayerNodes(config.Layers);
    }

    /// <summary>The element type of activations, caches and float weights (fp32, or fp16 for precision fp16).</summary>
    private OnnxDataType Io => _s.Precision == "fp16" ? OnnxDataType.Float16 : OnnxDataType.Float;

    private bool Gemma => _c.Family == DecoderFamily.Gemma3;

    /// <summary>Norm weights are stored zero-centred and applied as 1 + w (Gemma 3, Qwen3.5).</summary>
    private float NormOffset => Gemma || Hybrid ? 1f : 0f;

    /// <summary>Adds every node, initializer, input and output to the graph.</summary>
    public void Build(CancellationToken cancellation)
    {
        CheckHybrid();
        Inputs();
        MaskPreprocessing();
        var rope = Rotary();
        var x = Embedding();
        string? delta = null;
        using var step = Engine.Workflows.RunProgress.Step("exporting decoder layers", _c.Layers);
        for (var i = 0; i < _c.Layers; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (_c.Family == DecoderFamily.Olmo3)
            {
                (x, delta) = OlmoLayer(i, x, delta, rope.ForLayer(i));
                step.Advance();
                continue;
            }

            var p = $"model.layers.{i}.";
            var (normed, residual) = Norm($"/model/layers.{i}/input_layernorm", x, delta, p + "input_layernorm.weight");
            var attention = _c.IsLinearLayer(i) ? GatedDeltaNet(i, normed) : Attention(i, normed, rope.ForLayer(i));
            if (Gemma)
            {
                attention = Norm($"/model/layers.{i}/post_attention_layernorm", attention, null, p + "post_attention_layernorm.weight").Output;
            }

            var mlpNormWeight = Gemma ? p + "pre_feedforward_layernorm.weight" : p + "post_attention_layernorm.weight";
            (normed, x) = Norm($"/model/layers.{i}/post_attention_layernorm{(Gemma ? "/pre_feedforward" : string.Empty)}", residual, attention, mlpNormWeight);
            delta = Mlp(i, normed);
            if (Gemma)
            {
                delta = Norm($"/model/layers.{i}/post_feedforward_layernorm", delta, null, p + "post_feedforward_layernorm.weight").Output;
            }

            step.Advance();
        }

        var (final, _) = Norm("/model/layers." + _c.Layers + "/final_norm_layernorm", x, delta, "model.norm.weight");
        Head(final);
    }

    private void Inputs()
    {
        if (_s.ExcludeEmbeds)
        {
            _g.Input("inputs_embeds", Io, "batch_size", "sequence_length", _c.Hidden.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            _g.Input("input_ids", OnnxDataType.Int64, "batch_size", "sequence_length");
        }

        _g.Input("attention_mask", OnnxDataType.Int64, "batch_size", "total_sequence_length");
        var kv = _c.KvHeads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var head = _c.HeadDim.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < _c.Layers; i++)
        {
            if (_c.IsLinearLayer(i))
            {
                StateIo(i, input: true);
                continue;
            }

            _g.Input($"past_key_values.{i}.key", Io, "batch_size", kv, "past_sequence_length", head);
            _g.Input($"past_key_values.{i}.value", Io, "batch_size", kv, "past_sequence_length", head);
        }
    }

    /// <summary>seqlens_k = ReduceSum(mask, axis 1) − 1 as int32; total_sequence_length = mask.shape[1] as an int32 scalar.</summary>
    private void MaskPreprocessing()
    {
        const string p = "/model/attn_mask_reformat/attn_mask_subgraph";
        var sum = _g.Op("ReduceSum", $"{p}/ReduceSum", ["attention_mask", _g.Int64(false, 1)], attributes: GraphBuilder.Int("keepdims", 0));
        var sub = _g.Op("Sub", $"{p}/Sub", [sum, _g.Int64(false, 1)]);
        _seqlensK = _g.Op("Cast", $"{p}/Sub/Cast", [sub], attributes: GraphBuilder.Int("to", (int)OnnxDataType.Int32));
        var shape = _g.Op("Shape", $"{p}/Shape", ["attention_mask"]);
        _totalSeqLen64 = _g.Op("Gather", $"{p}/Gather", [shape, _g.Int64(true, 1)], attributes: GraphBuilder.Int("axis", 0));
        _totalSeqLen = _g.Op("Cast", $"{p}/Gather/Cast", [_totalSeqLen64], attributes: GraphBuilder.Int("to", (int)OnnxDataType.Int32));
    }

    private string Embedding()
    {
        if (_s.ExcludeEmbeds)
        {
            return "inputs_embeds";
        }

        const string Table = "model.embed_tokens.weight";
        _w.CheckShape(Table, _c.Vocab, _c.Hidden);
        var bits = EmbeddingBits();
        string x;
        if (PrequantizedEmbedding(Table) is { } packed)
        {
            x = packed;
        }
        else if (bits == 0)
        {
            var name = StreamedFloatWeight(Table, [_c.Vocab, _c.Hidden], sink => _w.StreamRows(Table, _s.ChunkElements, sink));
            x = _g.Op("Gather", ExportSettings.EmbeddingNode, [name, "input_ids"]);
        }
        else
        {
            x = QuantizedEmbedding(Table, bits);
        }

        if (Gemma)
        {
            // Gemma scales embeddings by sqrt(hidden) (its "normalizer"), in the activation type.
            x = _g.Op("Mul", "/model/embed_tokens/Mul", [x, FloatWeight("/model/embed_tokens/scale", [MathF.Sqrt(_c.Hidden)], [])]);
        }

        return x;
    }

    /// <summary>
    /// The first norm of a chain is SimplifiedLayerNormalization(x); later ones fuse the residual add:
    /// SkipSimplifiedLayerNormalization(x, delta) → (normed, x + delta). Gemma weights get their +1 here.
    /// </summary>
    private (string Output, string Residual) Norm(string name, string x, string? delta, string weight)
    {
        var w = FloatWeight(weight.Replace(".weight", ".layernorm.weight", StringComparison.Ordinal), _w.Vector(weight, NormOffset), [_c.Hidden]);
        if (delta is null)
        {
            var o = _g.Op("SimplifiedLayerNormalization", $"{name}/SimplifiedLayerNorm", [x, w], attributes:
                [GraphBuilder.Int("axis", -1), GraphBuilder.Real("epsilon", _c.RmsEps), GraphBuilder.Int("stash_type", 1)]);
            return (o, x);
        }

        var n = $"{name}/SkipLayerNorm";
        var outputs = _g.NodeWithOutputs("SkipSimplifiedLayerNormalization", n, [x, delta, w], [$"{n}/output_0", string.Empty, string.Empty, $"{n}/output_3"],
            GraphBuilder.Ms, GraphBuilder.Real("epsilon", _c.RmsEps));
        return (outputs[0], outputs[3]);
    }

    private void Head(string hidden)
    {
        var hiddenDim = _c.Hidden.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (_s.ExcludeLmHead)
        {
            Rename(hidden, "hidden_states");
            _g.Output("hidden_states", Io, "batch_size", "sequence_length", hiddenDim);
        }
        else
        {
            if (_s.IncludeHiddenStates)
            {
                Rename(hidden, "hidden_states");
                hidden = "hidden_states";
                _g.Output("hidden_states", Io, "batch_size", "sequence_length", hiddenDim);
            }

            if (_s.PruneLmHead)
            {
                // Only the last position's logits: Gather(axis 1, index −1) → [batch, hidden], Unsqueeze → [batch, 1, hidden]
                // (the GenAI builder's prune_lm_head layout; its runtime sees the static 1 in the logits shape).
                var last = _g.Op("Gather", "/model/lm_head/prune/Gather", [hidden, _g.Int64(true, -1)], attributes: GraphBuilder.Int("axis", 1));
                hidden = _g.Op("Unsqueeze", "/model/lm_head/prune/Unsqueeze", [last, _g.Int64(false, 1)]);
            }

            string logits;
            if (_sharedHead is { } shared)
            {
                logits = _g.Op("MatMulNBits", ExportSettings.LmHeadNode.Replace("/MatMul", "/MatMulNBits", StringComparison.Ordinal), [hidden, .. shared.Inputs], GraphBuilder.Ms, NBitsAttributes(_c.Hidden, _c.Vocab, shared.Bits));
            }
            else
            {
                logits = Linear(ExportSettings.LmHeadNode, hidden, "lm_head", [_w.All(HeadSource)], null);
            }

            Rename(logits, "logits");
            _g.Output("logits", Io, "batch_size", _s.PruneLmHead ? "1" : "sequence_length", _c.Vocab.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        for (var i = 0; i < _c.Layers; i++)
        {
            if (_c.IsLinearLayer(i))
            {
                StateIo(i, input: false);
                continue;
            }

            var kv = _c.KvHeads.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var head = _c.HeadDim.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _g.Output($"present.{i}.key", Io, "batch_size", kv, "total_sequence_length", head);
            _g.Output($"present.{i}.value", Io, "batch_size", kv, "total_sequence_length", head);
        }
    }

    /// <summary>The checkpoint tensor the LM head projects with: the embedding when tied (or when there is no lm_head).</summary>
    private string HeadSource => _c.TieEmbeddings || !_w.Has("lm_head.weight") ? "model.embed_tokens.weight" : "lm_head.weight";

    /// <summary>Renames the output <paramref name="from"/> of the last node to a graph output name.</summary>
    private void Rename(string from, string to)
    {
        var node = _g.Graph.Node[^1];
        node.Output[node.Output.IndexOf(from)] = to;
    }
}
