using System.Globalization;
using System.Text.Json.Nodes;
using OliveNet.Onnx;
using OliveNet.Passes.Export.Onnx;

namespace OliveNet.Passes.Export;

/// <summary>
/// Qwen3.5's hybrid decoder: Gated DeltaNet layers (com.microsoft.CausalConvWithState and LinearAttention with the
/// gated_delta rule, their conv and recurrent states as <c>past_key_values.%d.conv_state/recurrent_state</c> →
/// <c>present.%d.conv_state/recurrent_state</c>, the names ONNX Runtime GenAI binds) between gated full-attention layers
/// (query and output gate from one doubled q_proj, q/k norms, partial rotary).
/// </summary>
internal sealed partial class DecoderBuilder
{
    /// <summary>L2 normalisation's epsilon inside the norm's square root (the Gated DeltaNet definition's 1e-6).</summary>
    private const float L2Epsilon = 1e-6f;

    private bool Hybrid => _c.Family == DecoderFamily.Qwen35;

    /// <summary>The Gated DeltaNet sizes: key heads, value heads, key and value head sizes, conv kernel, conv channels.</summary>
    private (int KeyHeads, int ValueHeads, int KeyDim, int ValueDim, int Kernel, int Channels) Linear35
    {
        get
        {
            int nk = _c.IntOr("linear_num_key_heads", 16), nv = _c.IntOr("linear_num_value_heads", 32);
            int dk = _c.IntOr("linear_key_head_dim", 128), dv = _c.IntOr("linear_value_head_dim", 128);
            return (nk, nv, dk, dv, _c.IntOr("linear_conv_kernel_dim", 4), (2 * nk * dk) + (nv * dv));
        }
    }

    /// <summary>What the CPU kernels of the hybrid layers cannot run: they are float32-only.</summary>
    /// <exception cref="ExportException">An fp16 export of a hybrid model.</exception>
    private void CheckHybrid()
    {
        if (Hybrid && Io != OnnxDataType.Float)
        {
            throw new ExportException(
                $"{_c.Architecture}: precision {_s.Precision} is not supported for Qwen3.5 on CPU (ONNX Runtime's LinearAttention and CausalConvWithState CPU kernels are float32 only); use fp32, int8 or int4.");
        }

        if (Hybrid && _c.Raw["attn_output_gate"] is JsonValue gate && gate.TryGetValue<bool>(out var gated) && !gated)
        {
            throw new ExportException($"{_c.Architecture}: attn_output_gate false is not supported; ModelBuilder exports Qwen3.5's gated full attention (q_proj rows doubled into query and gate).");
        }

        var (nk, nv, _, _, _, _) = Linear35;
        if (Hybrid && nv % nk != 0)
        {
            throw new ExportException($"{_c.Architecture}: linear_num_value_heads {nv} is not a multiple of linear_num_key_heads {nk}.");
        }
    }

    /// <summary>
    /// The rows of Qwen3.5's doubled q_proj (per head: head_dim query rows, then head_dim gate rows) regrouped with k and
    /// v into one packed projection: [all queries | k | v | all gates].
    /// </summary>
    private WeightReader.Rows[] GatedQkvRows(string prefix)
    {
        var q = prefix + "q_proj.weight";
        var d = _c.HeadDim;
        _w.CheckShape(q, 2 * _c.Heads * d, _c.Hidden);
        var rows = new List<WeightReader.Rows>();
        rows.AddRange(Enumerable.Range(0, _c.Heads).Select(h => new WeightReader.Rows(q, 2 * h * d, d)));
        rows.Add(_w.All(prefix + "k_proj.weight"));
        rows.Add(_w.All(prefix + "v_proj.weight"));
        rows.AddRange(Enumerable.Range(0, _c.Heads).Select(h => new WeightReader.Rows(q, (2 * h * d) + d, d)));
        return [.. rows];
    }

    /// <summary>A linear layer's conv state <c>[batch, channels, kernel − 1]</c> and recurrent state <c>[batch, value heads, key dim, value dim]</c>.</summary>
    private void StateIo(int layer, bool input)
    {
        var (_, nv, dk, dv, kernel, channels) = Linear35;
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var (conv, recurrent) = input
            ? ($"past_key_values.{layer}.conv_state", $"past_key_values.{layer}.recurrent_state")
            : ($"present.{layer}.conv_state", $"present.{layer}.recurrent_state");
        Action<string, OnnxDataType, string[]> declare = input ? (n, t, d) => _g.Input(n, t, d) : (n, t, d) => _g.Output(n, t, d);
        declare(conv, Io, ["batch_size", S(channels), S(kernel - 1)]);
        declare(recurrent, Io, ["batch_size", S(nv), S(dk), S(dv)]);
    }

    /// <summary>
    /// One Gated DeltaNet token mixer: packed [qkv | z | b | a] projection; depthwise causal conv with SiLU over qkv
    /// carrying its last kernel − 1 inputs; per-head L2-normed q and k; β = sigmoid(b) and g = −exp(A_log)·softplus(a +
    /// dt_bias); the gated delta rule recurrence (each key head serving consecutive value heads); per-head RMS norm of the
    /// output (plain weight) times SiLU(z); out_proj.
    /// </summary>
    private string GatedDeltaNet(int layer, string x)
    {
        var p = $"model.layers.{layer}.linear_attn.";
        var n = $"/model/layers.{layer}/linear_attn";
        var name = $"model.layers.{layer}.linear_attn";
        if (!_w.Has(p + "in_proj_qkv.weight"))
        {
            throw new ExportException(
                $"{_c.Architecture}: layer {layer} has no {p}in_proj_qkv.weight; ModelBuilder exports Qwen3.5's split in_proj_qkv/z/b/a projections (fused in_proj_qkvz/ba checkpoints such as Qwen3-Next are not supported).");
        }

        var (nk, nv, dk, dv, kernel, channels) = Linear35;
        int keys = nk * dk, values = nv * dv;
        var projected = Linear($"{n}/in_proj/MatMul", x, $"{name}.in_proj",
            [_w.All(p + "in_proj_qkv.weight"), _w.All(p + "in_proj_z.weight"), _w.All(p + "in_proj_b.weight"), _w.All(p + "in_proj_a.weight")], null);
        var parts = _g.Node("Split", $"{n}/in_proj/Split", [projected, _g.Int64(false, channels, values, nv, nv)], 4, string.Empty, GraphBuilder.Int("axis", -1));
        var (mixed, z, b, a) = (parts[0], parts[1], parts[2], parts[3]);

        var kernelWeights = _w.Vector(p + "conv1d.weight");
        if (kernelWeights.Length != channels * kernel)
        {
            throw new ExportException($"{_c.Architecture}: {p}conv1d.weight has {kernelWeights.Length} values; config.json implies [{channels}, 1, {kernel}].");
        }

        var channelsFirst = _g.Op("Transpose", $"{n}/conv/Transpose", [mixed], attributes: GraphBuilder.Ints("perm", 0, 2, 1));
        var convolved = _g.NodeWithOutputs(
            "CausalConvWithState",
            $"{n}/CausalConvWithState",
            [channelsFirst, FloatWeight($"{name}.conv1d.weight", kernelWeights, [channels, 1, kernel]), string.Empty, $"past_key_values.{layer}.conv_state"],
            [$"{n}/CausalConvWithState/output_0", $"present.{layer}.conv_state"],
            GraphBuilder.Ms,
            GraphBuilder.Int("ndim", 1),
            GraphBuilder.Text("activation", "silu"));
        var activated = _g.Op("Transpose", $"{n}/conv_out/Transpose", [convolved[0]], attributes: GraphBuilder.Ints("perm", 0, 2, 1));
        var qkv = _g.Node("Split", $"{n}/qkv/Split", [activated, _g.Int64(false, keys, keys, values)], 3, string.Empty, GraphBuilder.Int("axis", -1));
        var query = L2Normalize($"{n}/q_l2norm", qkv[0], nk, dk);
        var key = L2Normalize($"{n}/k_l2norm", qkv[1], nk, dk);

        var beta = _g.Op("Sigmoid", $"{n}/beta/Sigmoid", [b]);
        var decayRate = _w.Vector(p + "A_log").Select(v => -MathF.Exp(v)).ToArray();
        var shifted = _g.Op("Add", $"{n}/decay/Add", [a, FloatWeight($"{name}.dt_bias", _w.Vector(p + "dt_bias"), [nv])]);
        var softplus = _g.Op("Softplus", $"{n}/decay/Softplus", [shifted]);
        var decay = _g.Op("Mul", $"{n}/decay/Mul", [FloatWeight($"{name}.neg_exp_A", decayRate, [nv]), softplus]);

        var attended = _g.NodeWithOutputs(
            "LinearAttention",
            $"{n}/LinearAttention",
            [query, key, qkv[2], $"past_key_values.{layer}.recurrent_state", decay, beta],
            [$"{n}/LinearAttention/output_0", $"present.{layer}.recurrent_state"],
            GraphBuilder.Ms,
            GraphBuilder.Int("q_num_heads", nk),
            GraphBuilder.Int("kv_num_heads", nv),
            GraphBuilder.Text("update_rule", "gated_delta"),
            GraphBuilder.Real("scale", 1f / MathF.Sqrt(dk)));

        var heads = _g.Op("Reshape", $"{n}/norm/Reshape_1", [attended[0], _g.Int64(false, 0, 0, nv, dv)]);
        var normed = _g.Op("SimplifiedLayerNormalization", $"{n}/norm/SimplifiedLayerNormalization",
            [heads, FloatWeight($"{name}.norm.weight", _w.Vector(p + "norm.weight"), [dv])],
            attributes: [GraphBuilder.Int("axis", -1), GraphBuilder.Real("epsilon", _c.RmsEps), GraphBuilder.Int("stash_type", 1)]);
        var flat = _g.Op("Reshape", $"{n}/norm/Reshape_2", [normed, _g.Int64(false, 0, 0, values)]);
        var zSigmoid = _g.Op("Sigmoid", $"{n}/z_silu/Sigmoid", [z]);
        var zSilu = _g.Op("Mul", $"{n}/z_silu/Mul", [z, zSigmoid]);
        var gated = _g.Op("Mul", $"{n}/gated/Mul", [flat, zSilu]);
        return Linear($"{n}/out_proj/MatMul", gated, $"{name}.out_proj", [_w.All(p + "out_proj.weight")], null);
    }

    /// <summary>x / sqrt(Σ x² + ε) over each head of <paramref name="x"/> <c>[batch, seq, heads·dim]</c>.</summary>
    private string L2Normalize(string n, string x, int heads, int dim)
    {
        var split = _g.Op("Reshape", $"{n}/Reshape_1", [x, _g.Int64(false, 0, 0, heads, dim)]);
        var square = _g.Op("Mul", $"{n}/Mul", [split, split]);
        var sum = _g.Op("ReduceSum", $"{n}/ReduceSum", [square, _g.Int64(false, -1)], attributes: GraphBuilder.Int("keepdims", 1));
        var norm = _g.Op("Sqrt", $"{n}/Sqrt", [_g.Op("Add", $"{n}/Add", [sum, _g.Float(L2Epsilon)])]);
        var normalized = _g.Op("Div", $"{n}/Div", [split, norm]);
        return _g.Op("Reshape", $"{n}/Reshape_2", [normalized, _g.Int64(false, 0, 0, heads * dim)]);
    }
}
