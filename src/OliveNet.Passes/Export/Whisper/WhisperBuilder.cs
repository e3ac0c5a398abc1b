using System.Runtime.InteropServices;
using OliveNet.Onnx;
using OliveNet.Passes.Export.Onnx;
using OliveNet.Passes.Quantization.BlockWise;

namespace OliveNet.Passes.Export.Whisper;

/// <summary>
/// Builds the two graphs of ONNX Runtime GenAI's Whisper pipeline from a checkpoint, in standard ONNX ops (Conv, Gelu,
/// LayerNormalization, MatMul, Softmax) plus com.microsoft.FusedMatMul for the scaled q·kᵀ, which ONNX Runtime's CPU
/// kernels run as written.
/// <list type="bullet">
/// <item>Encoder: <c>audio_features</c> [batch, mels, 3000] → two Conv1d + GELU (the second strided by 2) + the
/// checkpoint's sinusoidal positions → pre-LN blocks → final LayerNorm → <c>hidden_states</c> [batch, 1500, d_model],
/// plus each decoder layer's cross-attention K and V projected from it, <c>present_key_cross_%d</c> /
/// <c>present_value_cross_%d</c> [batch, heads, 1500, head_size] (computed once per utterance).</item>
/// <item>Decoder: <c>input_ids</c> (int32) with the self-attention cache <c>past_key_self_%d</c>/<c>past_value_self_%d</c>
/// [batch, heads, past, head_size] and the cross cache <c>past_key_cross_%d</c>/<c>past_value_cross_%d</c> →
/// <c>logits</c> [batch, sequence, vocab] and <c>present_key_self_%d</c>/<c>present_value_self_%d</c>; positions
/// start at the past length (read from <c>past_key_self_0</c>), self-attention is causal over past + new tokens.</item>
/// </list>
/// Attention follows the checkpoint: biases on q, v and out, none on k; q scaled by 1/√head_size; LayerNorm eps 1e-5;
/// logits from <c>proj_out.weight</c> when the checkpoint has it, else the tied token embedding.
/// In int4/int8 every projection (and the LM head) is a com.microsoft.MatMulNBits whose blocks are quantized straight
/// from the checkpoint, as in the decoder-only export (int4_op_types_to_quantize, int4_nodes_to_exclude, the k_quant
/// scale search and the *_last recipes' 8-bit head apply); convolutions, embeddings and norms stay float32.
/// </summary>
internal sealed class WhisperBuilder(WhisperConfig c, WeightReader w, GraphBuilder g, ExportSettings s)
{
    private readonly long chunkElements = s.ChunkElements;

    private const float LayerNormEpsilon = 1e-5f;

    /// <summary>Adds the encoder graph.</summary>
    public void Encoder(CancellationToken cancellation)
    {
        var d = c.DModel;
        g.Input("audio_features", OnnxDataType.Float, "batch_size", c.Mels.ToString(System.Globalization.CultureInfo.InvariantCulture), WhisperConfig.Frames.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var x = Conv("/model/encoder/conv1", "audio_features", "model.encoder.conv1", [d, c.Mels, 3], stride: 1);
        x = g.Op("Gelu", "/model/encoder/conv1/Gelu", [x]);
        x = Conv("/model/encoder/conv2", x, "model.encoder.conv2", [d, d, 3], stride: 2);
        x = g.Op("Gelu", "/model/encoder/conv2/Gelu", [x]);
        x = g.Op("Transpose", "/model/encoder/Transpose", [x], attributes: GraphBuilder.Ints("perm", 0, 2, 1));
        w.CheckShape("model.encoder.embed_positions.weight", c.SourcePositions, d);
        var positions = g.Initializer<float>("model.encoder.embed_positions.weight", w.Vector("model.encoder.embed_positions.weight"), [c.SourcePositions, d]);
        x = g.Op("Add", "/model/encoder/embed_positions/Add", [x, positions]);
        for (var i = 0; i < c.EncoderLayers; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var p = $"model.encoder.layers.{i}";
            var n = $"/model/encoder/layers.{i}";
            var h = LayerNorm($"{n}/self_attn_layer_norm", x, $"{p}.self_attn_layer_norm");
            var q = Heads($"{n}/self_attn/q", Linear($"{n}/self_attn/q_proj", h, $"{p}.self_attn.q_proj", bias: true), c.EncoderHeads, c.EncoderHeadSize);
            var k = Heads($"{n}/self_attn/k", Linear($"{n}/self_attn/k_proj", h, $"{p}.self_attn.k_proj", bias: false), c.EncoderHeads, c.EncoderHeadSize);
            var v = Heads($"{n}/self_attn/v", Linear($"{n}/self_attn/v_proj", h, $"{p}.self_attn.v_proj", bias: true), c.EncoderHeads, c.EncoderHeadSize);
            var attended = Attend($"{n}/self_attn", q, k, v, null, c.EncoderHeadSize);
            x = g.Op("Add", $"{n}/self_attn/residual/Add", [x, Linear($"{n}/self_attn/out_proj", attended, $"{p}.self_attn.out_proj", bias: true)]);
            x = g.Op("Add", $"{n}/mlp/residual/Add", [x, Mlp(n, LayerNorm($"{n}/final_layer_norm", x, $"{p}.final_layer_norm"), p)]);
        }

        x = LayerNorm("/model/encoder/layer_norm", x, "model.encoder.layer_norm");
        g.NodeWithOutputs("Identity", "/model/encoder/hidden_states/Identity", [x], ["hidden_states"]);
        g.Output("hidden_states", OnnxDataType.Float, "batch_size", Dim(c.SourcePositions), Dim(d));
        for (var i = 0; i < c.DecoderLayers; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var p = $"model.decoder.layers.{i}.encoder_attn";
            var n = $"/model/decoder/layers.{i}/encoder_attn";
            var key = Linear($"{n}/k_proj", x, $"{p}.k_proj", bias: false);
            var value = Linear($"{n}/v_proj", x, $"{p}.v_proj", bias: true);
            CrossOutput($"{n}/k", key, $"present_key_cross_{i}");
            CrossOutput($"{n}/v", value, $"present_value_cross_{i}");
        }
    }

    /// <summary>Adds the decoder graph.</summary>
    public void Decoder(CancellationToken cancellation)
    {
        var d = c.DModel;
        var heads = c.DecoderHeads;
        var size = c.DecoderHeadSize;
        g.Input("input_ids", OnnxDataType.Int32, "batch_size", "sequence_length");
        for (var i = 0; i < c.DecoderLayers; i++)
        {
            g.Input($"past_key_self_{i}", OnnxDataType.Float, "batch_size", Dim(heads), "past_sequence_length", Dim(size));
            g.Input($"past_value_self_{i}", OnnxDataType.Float, "batch_size", Dim(heads), "past_sequence_length", Dim(size));
            g.Input($"past_key_cross_{i}", OnnxDataType.Float, "batch_size", Dim(heads), Dim(c.SourcePositions), Dim(size));
            g.Input($"past_value_cross_{i}", OnnxDataType.Float, "batch_size", Dim(heads), Dim(c.SourcePositions), Dim(size));
        }

        // Positions past .. past + sequence, and the causal mask [sequence, past + sequence] (0 allowed, -inf not).
        var pre = "/model/preprocessing";
        var sequence = g.Op("Gather", $"{pre}/sequence_length/Gather", [g.Op("Shape", $"{pre}/input_ids/Shape", ["input_ids"]), g.Int64(true, 1)], attributes: GraphBuilder.Int("axis", 0));
        var past = g.Op("Gather", $"{pre}/past_length/Gather", [g.Op("Shape", $"{pre}/past_key_self_0/Shape", ["past_key_self_0"]), g.Int64(true, 2)], attributes: GraphBuilder.Int("axis", 0));
        var total = g.Op("Add", $"{pre}/total_length/Add", [past, sequence]);
        var rows = g.Op("Range", $"{pre}/rows/Range", [past, total, g.Int64(true, 1)]);
        var columns = g.Op("Range", $"{pre}/columns/Range", [g.Int64(true, 0), total, g.Int64(true, 1)]);
        var allowed = g.Op("LessOrEqual", $"{pre}/causal/LessOrEqual",
            [g.Op("Unsqueeze", $"{pre}/columns/Unsqueeze", [columns, g.Int64(false, 0)]), g.Op("Unsqueeze", $"{pre}/rows/Unsqueeze", [rows, g.Int64(false, 1)])]);
        var mask = g.Op("Where", $"{pre}/causal/Where", [allowed, g.Float(0f), g.Float(float.NegativeInfinity)]);

        var tokens = FloatWeight("model.decoder.embed_tokens.weight", [c.Vocab, d], sink => w.StreamRows("model.decoder.embed_tokens.weight", chunkElements, sink));
        w.CheckShape("model.decoder.embed_tokens.weight", c.Vocab, d);
        var x = g.Op("Gather", "/model/decoder/embed_tokens/Gather", [tokens, "input_ids"], attributes: GraphBuilder.Int("axis", 0));
        if (c.ScaleEmbedding)
        {
            x = g.Op("Mul", "/model/decoder/embed_tokens/Mul", [x, g.Float(MathF.Sqrt(d))]);
        }

        w.CheckShape("model.decoder.embed_positions.weight", c.TargetPositions, d);
        var table = g.Initializer<float>("model.decoder.embed_positions.weight", w.Vector("model.decoder.embed_positions.weight"), [c.TargetPositions, d]);
        var positions = g.Op("Slice", "/model/decoder/embed_positions/Slice",
            [table, g.Op("Unsqueeze", $"{pre}/past_length/Unsqueeze", [past, g.Int64(false, 0)]), g.Op("Unsqueeze", $"{pre}/total_length/Unsqueeze", [total, g.Int64(false, 0)]), g.Int64(false, 0)]);
        x = g.Op("Add", "/model/decoder/embed_positions/Add", [x, positions]);
        for (var i = 0; i < c.DecoderLayers; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var p = $"model.decoder.layers.{i}";
            var n = $"/model/decoder/layers.{i}";
            var h = LayerNorm($"{n}/self_attn_layer_norm", x, $"{p}.self_attn_layer_norm");
            var q = Heads($"{n}/self_attn/q", Linear($"{n}/self_attn/q_proj", h, $"{p}.self_attn.q_proj", bias: true), heads, size);
            var k = Heads($"{n}/self_attn/k", Linear($"{n}/self_attn/k_proj", h, $"{p}.self_attn.k_proj", bias: false), heads, size);
            var v = Heads($"{n}/self_attn/v", Linear($"{n}/self_attn/v_proj", h, $"{p}.self_attn.v_proj", bias: true), heads, size);
            k = g.NodeWithOutputs("Concat", $"{n}/self_attn/k/Concat", [$"past_key_self_{i}", k], [$"present_key_self_{i}"], attributes: GraphBuilder.Int("axis", 2))[0];
            v = g.NodeWithOutputs("Concat", $"{n}/self_attn/v/Concat", [$"past_value_self_{i}", v], [$"present_value_self_{i}"], attributes: GraphBuilder.Int("axis", 2))[0];
            var attended = Attend($"{n}/self_attn", q, k, v, mask, size);
            x = g.Op("Add", $"{n}/self_attn/residual/Add", [x, Linear($"{n}/self_attn/out_proj", attended, $"{p}.self_attn.out_proj", bias: true)]);

            h = LayerNorm($"{n}/encoder_attn_layer_norm", x, $"{p}.encoder_attn_layer_norm");
            q = Heads($"{n}/encoder_attn/q", Linear($"{n}/encoder_attn/q_proj", h, $"{p}.encoder_attn.q_proj", bias: true), heads, size);
            attended = Attend($"{n}/encoder_attn", q, $"past_key_cross_{i}", $"past_value_cross_{i}", null, size);
            x = g.Op("Add", $"{n}/encoder_attn/residual/Add", [x, Linear($"{n}/encoder_attn/out_proj", attended, $"{p}.encoder_attn.out_proj", bias: true)]);
            x = g.Op("Add", $"{n}/mlp/residual/Add", [x, Mlp(n, LayerNorm($"{n}/final_layer_norm", x, $"{p}.final_layer_norm"), p)]);
        }

        x = LayerNorm("/model/decoder/layer_norm", x, "model.decoder.layer_norm");
        var head = w.Has("proj_out.weight") ? "proj_out" : "model.decoder.embed_tokens";
        g.NodeWithOutputs("Identity", "/model/logits/Identity", [Project(ExportSettings.LmHeadNode, x, "lm_head.weight", head + ".weight")], ["logits"]);
        g.Output("logits", OnnxDataType.Float, "batch_size", "sequence_length", Dim(c.Vocab));
        for (var i = 0; i < c.DecoderLayers; i++)
        {
            g.Output($"present_key_self_{i}", OnnxDataType.Float, "batch_size", Dim(heads), "total_sequence_length", Dim(size));
            g.Output($"present_value_self_{i}", OnnxDataType.Float, "batch_size", Dim(heads), "total_sequence_length", Dim(size));
        }
    }

    private static string Dim(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Conv1d with zero padding 1 on both sides (kernel 3) and the checkpoint's bias.</summary>
    private string Conv(string name, string input, string weight, long[] dims, int stride)
    {
        var kernel = w.Vector(weight + ".weight");
        if (kernel.Length != dims[0] * dims[1] * dims[2])
        {
            throw new ExportException($"{w.Describe(weight + ".weight")} has {kernel.Length} values; config.json implies [{string.Join(", ", dims)}]. Are config and weights from the same model?");
        }

        var bias = w.Vector(weight + ".bias");
        var kernelName = g.Initializer<float>(weight + ".weight", kernel, dims);
        var biasName = g.Initializer<float>(weight + ".bias", bias, [bias.Length]);
        return g.Op("Conv", $"{name}/Conv", [input, kernelName, biasName],
            attributes: [GraphBuilder.Ints("dilations", 1), GraphBuilder.Int("group", 1), GraphBuilder.Ints("kernel_shape", 3), GraphBuilder.Ints("pads", 1, 1), GraphBuilder.Ints("strides", stride)]);
    }

    private string LayerNorm(string name, string input, string weight)
    {
        var scale = w.Vector(weight + ".weight");
        var bias = w.Vector(weight + ".bias");
        return g.Op("LayerNormalization", $"{name}/LayerNorm",
            [input, g.Initializer<float>(weight + ".weight", scale, [scale.Length]), g.Initializer<float>(weight + ".bias", bias, [bias.Length])],
            attributes: [GraphBuilder.Int("axis", -1), GraphBuilder.Real("epsilon", LayerNormEpsilon)]);
    }

    /// <summary><c>input @ Wᵀ (+ b)</c> for the HF linear <paramref name="weight"/> <c>[out, in]</c>.</summary>
    private string Linear(string name, string input, string weight, bool bias)
    {
        var output = Project($"{name}/MatMul", input, weight + ".weight", weight + ".weight");
        if (!bias)
        {
            return output;
        }

        var b = w.Vector(weight + ".bias");
        return g.Op("Add", $"{name}/Add", [output, g.Initializer<float>(weight + ".bias", b, [b.Length])]);
    }

    /// <summary>
    /// <c>input @ Wᵀ</c> for the HF linear weight <paramref name="source"/>: MatMul on a float initializer
    /// <paramref name="name"/>, or in int4/int8 MatMulNBits (node <c>…/MatMulNBits</c>) on its quantized blocks.
    /// </summary>
    private string Project(string node, string input, string name, string source)
    {
        var bits = s.Bits == 0 || !s.QuantizeMatMul || s.NodesToExclude.Contains(node) ? 0
            : s.LastMatMulInt8 && node == ExportSettings.LmHeadNode ? 8 : s.Bits;
        if (bits == 0)
        {
            return g.Op("MatMul", node, [input, WeightMatrix(name, source)]);
        }

        WeightReader.Rows[] parts = [w.All(source)];
        var (k, n) = w.Measure(parts);
        var weights = DecoderBuilder.QuantizedWeight(g, w, s, name[..^".weight".Length], parts, k, n, bits, DecoderBuilder.QuantizedLayout.MatMulNBits);
        return g.Op("MatMulNBits", node.Replace("/MatMul", "/MatMulNBits", StringComparison.Ordinal), [input, .. weights], GraphBuilder.Ms, DecoderBuilder.NBitsAttributes(s, k, n, bits));
    }

    /// <summary>The HF linear weight <paramref name="source"/> transposed to <c>[in, out]</c> as initializer <paramref name="name"/>.</summary>
    private string WeightMatrix(string name, string source)
    {
        WeightReader.Rows[] parts = [w.All(source)];
        var (k, n) = w.Measure(parts);
        return (long)k * n <= chunkElements
            ? g.Initializer<float>(name, w.Transposed(parts).Data, [k, n])
            : FloatWeight(name, [k, n], sink => w.StreamTransposed(parts, chunkElements, sink));
    }

    /// <summary>A float32 initializer written chunk by chunk.</summary>
    private string FloatWeight(string name, long[] dims, Action<Action<ReadOnlySpan<float>>> produce)
    {
        g.BeginInitializer(name, OnnxDataType.Float, dims, dims.Aggregate(1L, (a, b) => a * b) * 4);
        produce(chunk => g.Data.Append(MemoryMarshal.AsBytes(chunk)));
        g.Data.End();
        return name;
    }

    private string Mlp(string n, string input, string p)
    {
        var up = Linear($"{n}/mlp/fc1", input, $"{p}.fc1", bias: true);
        return Linear($"{n}/mlp/fc2", g.Op("Gelu", $"{n}/mlp/Gelu", [up]), $"{p}.fc2", bias: true);
    }

    /// <summary>[batch, sequence, heads·size] → [batch, heads, sequence, size].</summary>
    private string Heads(string name, string input, int heads, int size) =>
        g.Op("Transpose", $"{name}/Transpose", [g.Op("Reshape", $"{name}/Reshape", [input, g.Int64(false, 0, 0, heads, size)])], attributes: GraphBuilder.Ints("perm", 0, 2, 1, 3));

    /// <summary>An encoder output of one decoder layer's cross-attention K or V in [batch, heads, positions, size].</summary>
    private void CrossOutput(string name, string input, string output)
    {
        var reshaped = g.Op("Reshape", $"{name}/Reshape", [input, g.Int64(false, 0, 0, c.DecoderHeads, c.DecoderHeadSize)]);
        g.NodeWithOutputs("Transpose", $"{name}/Transpose", [reshaped], [output], attributes: GraphBuilder.Ints("perm", 0, 2, 1, 3));
        g.Output(output, OnnxDataType.Float, "batch_size", Dim(c.DecoderHeads), Dim(c.SourcePositions), Dim(c.DecoderHeadSize));
    }

    /// <summary>softmax(q·kᵀ/√size (+ mask))·v over [batch, heads, ·, size], merged back to [batch, sequence, heads·size].</summary>
    private string Attend(string n, string q, string k, string v, string? mask, int size)
    {
        // One FusedMatMul reads K as stored ([batch, heads, positions, size], transB) and applies the 1/√size scale: no
        // per-step copy of a transposed cross-attention cache.
        var scores = g.Op("FusedMatMul", $"{n}/scores/FusedMatMul", [q, k], GraphBuilder.Ms,
            GraphBuilder.Real("alpha", 1f / MathF.Sqrt(size)), GraphBuilder.Int("transA", 0), GraphBuilder.Int("transB", 1));
        if (mask is not null)
        {
            scores = g.Op("Add", $"{n}/mask/Add", [scores, mask]);
        }

        var probabilities = g.Op("Softmax", $"{n}/Softmax", [scores], attributes: GraphBuilder.Int("axis", -1));
        var output = g.Op("MatMul", $"{n}/values/MatMul", [probabilities, v]);
        output = g.Op("Transpose", $"{n}/output/Transpose", [output], attributes: GraphBuilder.Ints("perm", 0, 2, 1, 3));
        return g.Op("Reshape", $"{n}/output/Reshape", [output, g.Int64(false, 0, 0, c.DModel)]);
    }
}
