using System.Text.Json.Nodes;
using OliveNet.Onnx;
using OliveNet.Passes.Export.Onnx;

namespace OliveNet.Passes.Export;

/// <summary>Attention: packed QKV, optional q/k norms, GroupQueryAttention with fused rotary, o_proj; and the MLP.</summary>
internal sealed partial class DecoderBuilder
{
    /// <summary>The rotary caches and attention window of one layer.</summary>
    private sealed record LayerRope(string Cos, string Sin, int Window);

    /// <summary>Per-layer rotary settings: Gemma 3 alternates local and global layers; every other family has one kind.</summary>
    private sealed record RopeSet(LayerRope Global, LayerRope? Local, Func<int, bool> IsLocal)
    {
        public LayerRope ForLayer(int layer) => Local is not null && IsLocal(layer) ? Local : Global;
    }

    private RopeSet Rotary()
    {
        var scaling = _c.RopeScaling;
        var rot = _c.RotaryDim;
        if (Gemma)
        {
            var window = (int)(_c.Number("sliding_window") ?? 4096);
            var local = Caches("cos_cache_local", "sin_cache_local", RopeTables.InverseFrequencies(rot, _c.Number("rope_local_base_freq") ?? 10000.0, null), null, 1.0);
            var global = Caches("cos_cache_global", "sin_cache_global", RopeTables.InverseFrequencies(rot, _c.RopeTheta, scaling), null, 1.0);
            return new RopeSet(new LayerRope(global.Cos, global.Sin, -1), new LayerRope(local.Cos, local.Sin, window), GemmaIsLocal);
        }

        if (_c.Family is DecoderFamily.SmolLM3 or DecoderFamily.Olmo3)
        {
            return LayeredRotary(scaling);
        }

        var frequencies = RopeTables.InverseFrequencies(rot, _c.RopeTheta, scaling, _c.MaxPositions);
        var slidingWindow = SlidingWindow();
        if (RopeTables.Kind(scaling) != "longrope")
        {
            var (cos, sin) = Caches("cos_cache", "sin_cache", frequencies, null, RopeMagnitude(scaling));
            return new RopeSet(new LayerRope(cos, sin, slidingWindow), null, _ => false);
        }

        // LongRoPE: the short factors up to original_max_position_embeddings, the long ones beyond, chosen in-graph
        // from the total sequence length (If), both scaled by the attention factor.
        var original = (int)(_c.Number("original_max_position_embeddings") ?? _c.MaxPositions);
        var magnitude = RopeTables.LongRopeMagnitude(scaling!, _c.MaxPositions, original);
        var shortCaches = Caches("cos_cache_small", "sin_cache_small", frequencies, Factors(scaling!, "short_factor"), magnitude);
        var longCaches = Caches("cos_cache_large", "sin_cache_large", frequencies, Factors(scaling!, "long_factor"), magnitude);
        var greater = _g.Op("Greater", "/model/rotemb_caches_subgraph/Greater", [_totalSeqLen64, _g.Int64(true, original)]);
        var outputs = _g.Node("If", "/model/rotemb_caches_subgraph/If", [greater], 2, string.Empty,
            GraphBuilder.Subgraph("then_branch", Select("large_rotemb_caches_graph", longCaches)),
            GraphBuilder.Subgraph("else_branch", Select("small_rotemb_caches_graph", shortCaches)));
        return new RopeSet(new LayerRope(outputs[0], outputs[1], slidingWindow), null, _ => false);
    }

    /// <summary>An If branch returning two outer-scope caches.</summary>
    private OliveNet.Onnx.Protos.GraphProto Select(string name, (string Cos, string Sin) caches)
    {
        var branch = new GraphBuilder(_g.Data, name);
        branch.NodeWithOutputs("Identity", $"/model/{name}/cos", [caches.Cos], [$"{name}/cos_cache"]);
        branch.NodeWithOutputs("Identity", $"/model/{name}/sin", [caches.Sin], [$"{name}/sin_cache"]);
        branch.Output($"{name}/cos_cache", Io, "max_position_embeddings", "rotary_half");
        branch.Output($"{name}/sin_cache", Io, "max_position_embeddings", "rotary_half");
        return branch.Graph;
    }

    private (string Cos, string Sin) Caches(string cosName, string sinName, double[] frequencies, IReadOnlyList<double>? divisors, double magnitude)
    {
        var (cos, sin) = RopeTables.Caches(frequencies, _c.MaxPositions, divisors, magnitude);
        long[] dims = [_c.MaxPositions, frequencies.Length];
        return (FloatWeight(cosName, cos, dims), FloatWeight(sinName, sin, dims));
    }

    private double[] Factors(JsonObject scaling, string key)
    {
        var factors = scaling[key] is JsonArray a ? a.Select(v => v!.GetValue<double>()).ToArray() : [];
        if (factors.Length != _c.RotaryDim / 2)
        {
            throw new ExportException($"config.json rope_scaling.{key} has {factors.Length} entries; rotary dim {_c.RotaryDim} needs {_c.RotaryDim / 2}.");
        }

        return factors;
    }

    /// <summary>The attention window in tokens for families that use one (Mistral, Phi-3 when configured), else −1.</summary>
    private int SlidingWindow()
    {
        var use = _c.Family switch
        {
            DecoderFamily.Mistral or DecoderFamily.Phi3 or DecoderFamily.Ministral3 => true,
            DecoderFamily.Qwen2 or DecoderFamily.Qwen3 => _c.Raw["use_sliding_window"]?.GetValue<bool>() ?? false,
            _ => false,
        };
        return use && _c.Number("sliding_window") is { } w && w < _c.MaxPositions ? (int)w : -1;
    }

    /// <summary>Gemma 3's layer pattern: layer_types when given, else every sliding_window_pattern-th layer is global.</summary>
    private bool GemmaIsLocal(int layer)
    {
        if (_c.Raw["layer_types"] is JsonArray types && layer < types.Count)
        {
            return types[layer]!.GetValue<string>() == "sliding_attention";
        }

        var pattern = (int)(_c.Number("sliding_window_pattern") ?? 6);
        return (layer + 1) % pattern != 0;
    }

    private string Attention(int layer, string x, LayerRope rope)
    {
        var p = $"model.layers.{layer}.self_attn.";
        var n = $"/model/layers.{layer}/attn";
        int q = _c.Heads * _c.HeadDim, kv = _c.KvHeads * _c.HeadDim;
        WeightReader.Rows[] parts = _c.Family == DecoderFamily.Phi3
            ? [_w.All(p + "qkv_proj.weight")]
            : Hybrid ? GatedQkvRows(p)
            : [_w.All(p + "q_proj.weight"), _w.All(p + "k_proj.weight"), _w.All(p + "v_proj.weight")];
        var bias = _w.Has(p + "q_proj.bias") ? _w.Concat(p + "q_proj.bias", p + "k_proj.bias", p + "v_proj.bias") : null;
        var qkv = Linear($"{n}/qkv_proj/MatMul", x, $"model.layers.{layer}.attn.qkv_proj", parts, bias);
        string query = qkv, key = string.Empty, value = string.Empty, gate = string.Empty;
        var rotary = rope.Cos.Length > 0;
        var queryScale = QueryPositionScale();
        if (_c.Family == DecoderFamily.HunYuanDense && _w.Has(p + "query_layernorm.weight"))
        {
            (query, key, value) = HunYuanQueryKey(layer, qkv, rope);
            rotary = false;
        }
        else if (_w.Has(p + "q_norm.weight") || queryScale is not null)
        {
            var split = Hybrid
                ? _g.Node("Split", $"{n}/qkv_proj/Split", [qkv, _g.Int64(false, q, kv, kv, q)], 4, string.Empty, GraphBuilder.Int("axis", -1))
                : _g.Node("Split", $"{n}/qkv_proj/Split", [qkv, _g.Int64(false, q, kv, kv)], 3, string.Empty, GraphBuilder.Int("axis", -1));
            (query, key, value) = (split[0], split[1], split[2]);
            gate = Hybrid ? split[3] : string.Empty;
            if (_w.Has(p + "q_norm.weight"))
            {
                query = _c.Family == DecoderFamily.Olmo3 ? WidthNorm(layer, "q_norm", query, p + "q_norm.weight", q) : HeadNorm(layer, "q_norm", query, p + "q_norm.weight", q);
                key = _c.Family == DecoderFamily.Olmo3 ? WidthNorm(layer, "k_norm", key, p + "k_norm.weight", kv) : HeadNorm(layer, "k_norm", key, p + "k_norm.weight", kv);
            }

            if (queryScale is not null)
            {
                // Scaling q before the fused rotary equals scaling it after: the rotation is linear.
                query = _g.Op("Mul", $"{n}/query_position_scale/Mul", [query, queryScale]);
            }
        }

        var scale = Gemma ? (float)Math.Pow(_c.Number("query_pre_attn_scalar") ?? _c.HeadDim, -0.5) : 1f / MathF.Sqrt(_c.HeadDim);
        // A NoPE layer (no caches) leaves q and k unrotated, and HunYuan's are rotated already: do_rotary 0, no cos/sin.
        List<string> inputs = [query, key, value, $"past_key_values.{layer}.key", $"past_key_values.{layer}.value", _seqlensK, _totalSeqLen];
        if (rotary)
        {
            inputs.AddRange([rope.Cos, rope.Sin]);
        }

        var gqa = _g.NodeWithOutputs(
            "GroupQueryAttention",
            $"{n}/GroupQueryAttention",
            inputs,
            [$"{n}/GroupQueryAttention/output_0", $"present.{layer}.key", $"present.{layer}.value"],
            GraphBuilder.Ms,
            GraphBuilder.Int("num_heads", _c.Heads),
            GraphBuilder.Int("kv_num_heads", _c.KvHeads),
            GraphBuilder.Real("scale", scale),
            GraphBuilder.Int("local_window_size", rope.Window),
            GraphBuilder.Real("softcap", 0f),
            GraphBuilder.Int("do_rotary", rotary ? 1 : 0),
            GraphBuilder.Int("rotary_interleaved", 0));
        var attended = gqa[0];
        if (Hybrid)
        {
            // Qwen3.5's output gate: attention · sigmoid(gate), the gate being the second half of each head's q_proj rows.
            var sigmoid = _g.Op("Sigmoid", $"{n}/output_gate/Sigmoid", [gate]);
            attended = _g.Op("Mul", $"{n}/output_gate/Mul", [attended, sigmoid]);
        }

        return Linear($"{n}/o_proj/MatMul", attended, $"model.layers.{layer}.attn.o_proj", [_w.All(p + "o_proj.weight")], null);
    }

    /// <summary>RMS norm over each head: Reshape [0, −1, head] → SimplifiedLayerNormalization → Reshape [0, −1, width].</summary>
    private string HeadNorm(int layer, string which, string x, string weight, int width)
    {
        var n = $"/model/layers.{layer}/attn/{which}";
        var w = FloatWeight($"model.layers.{layer}.attn.{which}.layernorm.weight", _w.Vector(weight, NormOffset), [_c.HeadDim]);
        var heads = _g.Op("Reshape", $"{n}/Reshape_1", [x, _g.Int64(false, 0, -1, _c.HeadDim)]);
        var normed = _g.Op("SimplifiedLayerNormalization", $"{n}/SimplifiedLayerNormalization", [heads, w], attributes:
            [GraphBuilder.Int("axis", -1), GraphBuilder.Real("epsilon", _c.RmsEps), GraphBuilder.Int("stash_type", 1)]);
        return _g.Op("Reshape", $"{n}/Reshape_2", [normed, _g.Int64(false, 0, -1, width)]);
    }

    /// <summary>down(act(gate(x)) · up(x)); act is SiLU (Sigmoid·x) or, for Gemma, GELU with the tanh approximation.</summary>
    private string Mlp(int layer, string x)
    {
        var p = $"model.layers.{layer}.mlp.";
        var n = $"/model/layers.{layer}/mlp";
        var i = _c.Intermediate;
        var (gateRows, upRows) = _c.Family == DecoderFamily.Phi3
            ? (new WeightReader.Rows(p + "gate_up_proj.weight", 0, i), new WeightReader.Rows(p + "gate_up_proj.weight", i, i))
            : (_w.All(p + "gate_proj.weight"), _w.All(p + "up_proj.weight"));
        string gate, up;
        if (_s.FuseGateUp)
        {
            var fused = Linear($"{n}/gate_up_proj/MatMul", x, $"model.layers.{layer}.mlp.gate_up_proj", [gateRows, upRows], null);
            var halves = _g.Node("Split", $"{n}/gate_up_proj/Split", [fused, _g.Int64(false, i, i)], 2, string.Empty, GraphBuilder.Int("axis", -1));
            (gate, up) = (halves[0], halves[1]);
        }
        else
        {
            gate = Linear($"{n}/gate_proj/MatMul", x, $"model.layers.{layer}.mlp.gate_proj", [gateRows], null);
            up = Linear($"{n}/up_proj/MatMul", x, $"model.layers.{layer}.mlp.up_proj", [upRows], null);
        }

        string act;
        if (Gemma)
        {
            act = _g.Op("Gelu", $"{n}/act_fn/Gelu", [gate], attributes: GraphBuilder.Text("approximate", "tanh"));
        }
        else
        {
            var sigmoid = _g.Op("Sigmoid", $"{n}/act_fn/Sigmoid", [gate]);
            act = _g.Op("Mul", $"{n}/act_fn/Mul", [gate, sigmoid]);
        }

        var product = _g.Op("Mul", $"{n}/Mul", [act, up]);
        return Linear($"{n}/down_proj/MatMul", product, $"model.layers.{layer}.mlp.down_proj", [_w.All(p + "down_proj.weight")], null);
    }
}
