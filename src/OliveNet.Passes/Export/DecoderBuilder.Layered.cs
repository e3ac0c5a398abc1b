using System.Text.Json.Nodes;
using OliveNet.Passes.Export.Onnx;

namespace OliveNet.Passes.Export;

/// <summary>
/// SmolLM3 and OLMo 3: rotary settings that differ per layer (SmolLM3's NoPE layers; OLMo 3's sliding layers with plain
/// RoPE and full layers with the checkpoint's scaling), OLMo 3's q/k norms over the whole projection and its layer with
/// norms after attention and MLP instead of before.
/// </summary>
internal sealed partial class DecoderBuilder
{
    /// <summary>
    /// SmolLM3: one cache pair for its RoPE layers (full attention) and none for its NoPE layers (their window when
    /// use_sliding_window). OLMo 3: the checkpoint's rope_scaling (YaRN on the real 7B/32B) applies only to full-attention
    /// layers; sliding layers rotate with the unscaled frequencies inside their window.
    /// </summary>
    private RopeSet LayeredRotary(JsonObject? scaling)
    {
        // Only the caches some layer reads are written (a one-layer calibration slice reads one kind).
        var rot = _c.RotaryDim;
        var layers = Enumerable.Range(0, _c.Layers).ToList();
        LayerRope Scaled(int window)
        {
            var (cos, sin) = Caches("cos_cache", "sin_cache", RopeTables.InverseFrequencies(rot, _c.RopeTheta, scaling, _c.MaxPositions), null, RopeMagnitude(scaling));
            return new LayerRope(cos, sin, window);
        }

        if (_c.Family == DecoderFamily.SmolLM3)
        {
            var nope = layers.FirstOrDefault(l => !_c.UsesRope(l), -1);
            var rope = layers.Any(_c.UsesRope) ? Scaled(-1) : new LayerRope(string.Empty, string.Empty, -1);
            return new RopeSet(rope, new LayerRope(string.Empty, string.Empty, nope < 0 ? -1 : _c.LayerWindow(nope)), l => !_c.UsesRope(l));
        }

        bool Sliding(int l) => _c.LayerType(l) == "sliding_attention";
        var sliding = layers.FirstOrDefault(Sliding, -1);
        var window = sliding < 0 ? -1 : _c.LayerWindow(sliding);
        var plain = RopeTables.Kind(scaling) is null or "default";
        var full = layers.Any(l => !Sliding(l)) || plain ? Scaled(-1) : null;
        if (sliding < 0)
        {
            return new RopeSet(full!, null, _ => false);
        }

        if (plain)
        {
            return new RopeSet(full!, full! with { Window = window }, Sliding);
        }

        var local = Caches("cos_cache_local", "sin_cache_local", RopeTables.InverseFrequencies(rot, _c.RopeTheta, null), null, 1.0);
        var localRope = new LayerRope(local.Cos, local.Sin, window);
        return new RopeSet(full ?? localRope, localRope, Sliding);
    }

    /// <summary>The cos/sin magnitude of a non-LongRoPE scaling: YaRN's attention factor, else 1.</summary>
    private double RopeMagnitude(JsonObject? scaling) => RopeTables.Kind(scaling) == "yarn" ? RopeTables.YarnMagnitude(scaling!, _c.MaxPositions) : 1.0;

    /// <summary>OLMo 3's q/k norm: one RMS norm over the whole projection (all heads together), before the heads are split.</summary>
    private string WidthNorm(int layer, string which, string x, string weight, int width)
    {
        var w = FloatWeight($"model.layers.{layer}.attn.{which}.layernorm.weight", _w.Vector(weight), [width]);
        return _g.Op("SimplifiedLayerNormalization", $"/model/layers.{layer}/attn/{which}/SimplifiedLayerNormalization", [x, w], attributes:
            [GraphBuilder.Int("axis", -1), GraphBuilder.Real("epsilon", _c.RmsEps), GraphBuilder.Int("stash_type", 1)]);
    }

    /// <summary>
    /// One OLMo 3 layer: h = x + norm(attention(x)); out = h + norm(mlp(h)) — no norm before attention or MLP. The
    /// stream arrives as x + <paramref name="delta"/> (the previous layer's normed MLP output, added here); returns h and
    /// this layer's normed MLP output, which the next layer (or the final norm's fused skip add) adds.
    /// </summary>
    private (string Residual, string Delta) OlmoLayer(int i, string x, string? delta, LayerRope rope)
    {
        var p = $"model.layers.{i}.";
        var stream = delta is null ? x : _g.Op("Add", $"/model/layers.{i}/residual_add/Add", [x, delta]);
        var attention = Attention(i, stream, rope);
        var normed = Norm($"/model/layers.{i}/post_attention_layernorm", attention, null, p + "post_attention_layernorm.weight").Output;
        var h = _g.Op("Add", $"/model/layers.{i}/post_attention_add/Add", [stream, normed]);
        var mlp = Mlp(i, h);
        return (h, Norm($"/model/layers.{i}/post_feedforward_layernorm", mlp, null, p + "post_feedforward_layernorm.weight").Output);
    }
}
