using System.Text.Json.Nodes;
using OliveNet.Passes.Export;

namespace OliveNet.Passes.Gguf;

/// <summary>The tensor list: Hugging Face names → llama.cpp names, per family, and the streamed encoding of each.</summary>
internal sealed partial class GgufExporter
{
    /// <summary>Where a GGUF tensor's values come from.</summary>
    /// <param name="Gguf">The GGUF tensor name.</param>
    /// <param name="Hf">The checkpoint tensor, or null for <paramref name="Values"/>.</param>
    /// <param name="Layer">The block index, or -1.</param>
    /// <param name="Rows">Leading rows to keep (-1: all).</param>
    /// <param name="RotaryHeads">Head size whose rows go from rotate-half order to interleaved pairs (0: none).</param>
    /// <param name="Add">Added to every value (Gemma's 1 + w norms).</param>
    /// <param name="Scale">Multiplies every value after <paramref name="Add"/>.</param>
    /// <param name="Values">A 1-D tensor computed here (rope factors).</param>
    private sealed record Source(string Gguf, string? Hf, int Layer = -1, int Rows = -1, int RotaryHeads = 0, float Add = 0, float Scale = 1, float[]? Values = null);

    private IEnumerable<GgufTensor> Tensors(int vocabulary)
    {
        var tied = !_weights.Contains("lm_head.weight");
        foreach (var source in Sources(vocabulary, tied))
        {
            yield return Encode(source, source.Gguf == "output.weight" || (tied && source.Gguf == "token_embd.weight"));
        }
    }

    private IEnumerable<Source> Sources(int vocabulary, bool tied)
    {
        var c = _config;
        var gemma = c.Family == DecoderFamily.Gemma3;
        var norm = gemma ? 1f : 0f;
        var rotaryPairs = c.Family is DecoderFamily.Llama or DecoderFamily.Mistral or DecoderFamily.SmolLM3 ? c.HeadDim : 0;
        yield return new Source("token_embd.weight", "model.embed_tokens.weight", Rows: vocabulary);
        foreach (var extra in RopeSources())
        {
            yield return extra;
        }

        // llama.cpp scales Gemma 3 queries by 1/√head_dim (1/√(hidden/heads) for the 27B); the checkpoint asks for
        // 1/√query_pre_attn_scalar. q is RMS-normalized before rotary, so the ratio folds exactly into its norm weight.
        var queryScale = 1f;
        if (gemma && c.Number("query_pre_attn_scalar") is double scalar)
        {
            var llamaCpp = c.Layers == 62 ? Math.Sqrt((double)c.Hidden / c.Heads) : Math.Sqrt(c.HeadDim);
            queryScale = (float)(llamaCpp / Math.Sqrt(scalar));
        }

        for (var i = 0; i < c.Layers; i++)
        {
            var hf = $"model.layers.{i}.";
            var blk = $"blk.{i}.";
            yield return new Source(blk + "attn_norm.weight", hf + "input_layernorm.weight", i, Add: norm);
            if (c.Family == DecoderFamily.Phi3)
            {
                yield return new Source(blk + "attn_qkv.weight", hf + "self_attn.qkv_proj.weight", i);
            }
            else
            {
                yield return new Source(blk + "attn_q.weight", hf + "self_attn.q_proj.weight", i, RotaryHeads: rotaryPairs);
                yield return new Source(blk + "attn_k.weight", hf + "self_attn.k_proj.weight", i, RotaryHeads: rotaryPairs);
                yield return new Source(blk + "attn_v.weight", hf + "self_attn.v_proj.weight", i);
                foreach (var p in "qkv")
                {
                    if (_weights.Contains($"{hf}self_attn.{p}_proj.bias"))
                    {
                        yield return new Source($"{blk}attn_{p}.bias", $"{hf}self_attn.{p}_proj.bias", i, RotaryHeads: p == 'v' ? 0 : rotaryPairs);
                    }
                }
            }

            if (_weights.Contains(hf + "self_attn.query_layernorm.weight"))
            {
                // HunYuan dense: per-head norms after RoPE, as llama.cpp's hunyuan-dense applies attn_q_norm/attn_k_norm.
                yield return new Source(blk + "attn_q_norm.weight", hf + "self_attn.query_layernorm.weight", i);
                yield return new Source(blk + "attn_k_norm.weight", hf + "self_attn.key_layernorm.weight", i);
            }

            if (_weights.Contains(hf + "self_attn.q_norm.weight"))
            {
                yield return new Source(blk + "attn_q_norm.weight", hf + "self_attn.q_norm.weight", i, Add: norm, Scale: queryScale);
                yield return new Source(blk + "attn_k_norm.weight", hf + "self_attn.k_norm.weight", i, Add: norm);
            }

            yield return new Source(blk + "attn_output.weight", hf + "self_attn.o_proj.weight", i);
            if (gemma)
            {
                yield return new Source(blk + "post_attention_norm.weight", hf + "post_attention_layernorm.weight", i, Add: norm);
                yield return new Source(blk + "ffn_norm.weight", hf + "pre_feedforward_layernorm.weight", i, Add: norm);
                yield return new Source(blk + "post_ffw_norm.weight", hf + "post_feedforward_layernorm.weight", i, Add: norm);
            }
            else
            {
                yield return new Source(blk + "ffn_norm.weight", hf + "post_attention_layernorm.weight", i);
            }

            if (c.Family == DecoderFamily.Phi3)
            {
                yield return new Source(blk + "ffn_up.weight", hf + "mlp.gate_up_proj.weight", i);
            }
            else
            {
                yield return new Source(blk + "ffn_gate.weight", hf + "mlp.gate_proj.weight", i);
                yield return new Source(blk + "ffn_up.weight", hf + "mlp.up_proj.weight", i);
            }

            yield return new Source(blk + "ffn_down.weight", hf + "mlp.down_proj.weight", i);
        }

        yield return new Source("output_norm.weight", "model.norm.weight", Add: norm);
        if (!tied)
        {
            yield return new Source("output.weight", "lm_head.weight", Rows: vocabulary);
        }
    }

    private IEnumerable<Source> RopeSources()
    {
        var scaling = _config.Raw["rope_scaling"] as JsonObject;
        switch (RopeTables.Kind(scaling))
        {
            case "llama3":
                yield return new Source("rope_freqs.weight", null, Values: Llama3Factors(scaling!));
                break;
            case "longrope" or "su":
                yield return new Source("rope_factors_long.weight", null, Values: Floats(scaling!["long_factor"]));
                yield return new Source("rope_factors_short.weight", null, Values: Floats(scaling!["short_factor"]));
                break;
        }
    }

    // llama.cpp divides each rotary frequency by a factor; Llama 3 scaling keeps high frequencies, divides low ones by
    // `factor`, and blends in between.
    private float[] Llama3Factors(JsonObject s)
    {
        var dim = _config.RotaryDim;
        var factor = s["factor"]?.GetValue<double>() ?? 8.0;
        var low = s["low_freq_factor"]?.GetValue<double>() ?? 1.0;
        var high = s["high_freq_factor"]?.GetValue<double>() ?? 4.0;
        var original = s["original_max_position_embeddings"]?.GetValue<double>() ?? 8192;
        var result = new float[dim / 2];
        for (var i = 0; i < result.Length; i++)
        {
            var wavelength = 2 * Math.PI * Math.Pow(_config.RopeTheta, 2.0 * i / dim);
            var smooth = ((original / wavelength) - low) / (high - low);
            result[i] = wavelength < original / high ? 1f
                : wavelength > original / low ? (float)factor
                : (float)(1 / (((1 - smooth) / factor) + smooth));
        }

        return result;
    }

    private static float[] Floats(JsonNode? node) => (node as JsonArray ?? []).Select(v => (float)v!.GetValue<double>()).ToArray();

    private GgufTensor Encode(Source s, bool outputLike)
    {
        if (s.Values is not null)
        {
            return new GgufTensor(s.Gguf, [s.Values.Length], GgmlType.F32, stream => GgufWriter.WriteFloats(stream, s.Values));
        }

        var info = _weights.Info(s.Hf!);
        if (info.Shape.Count == 1)
        {
            return new GgufTensor(s.Gguf, [info.Shape[0]], GgmlType.F32, stream =>
            {
                var v = _weights.ReadFloat32(s.Hf!);
                var rows = s.RotaryHeads > 0 ? Interleave(v, 1, s.RotaryHeads) : v;
                for (var i = 0; i < rows.Length; i++)
                {
                    rows[i] = (rows[i] + s.Add) * s.Scale;
                }

                GgufWriter.WriteFloats(stream, rows);
            });
        }

        if (info.Shape.Count != 2)
        {
            throw new ExportException($"{_weights.Folder}: tensor '{s.Hf}' has {info.Shape.Count} dimensions; GgufExport expects 1-D norms and 2-D weights.");
        }

        var columns = (int)info.Shape[1];
        var count = s.Rows >= 0 ? s.Rows : (int)info.Shape[0];
        long[] dims = [columns, count];
        var type = GgufQuantization.TypeOf(_format, s.Gguf, dims, s.Layer, _config.Layers, outputLike, _pure);
        return new GgufTensor(s.Gguf, dims, type, stream => Stream(s.Hf!, columns, count, s.RotaryHeads, type, stream));
    }

    private void Stream(string name, int columns, int rows, int rotaryHeads, GgmlType type, Stream stream)
    {
        var rowBytes = (int)type.RowBytes(columns);
        var unit = Math.Max(1, rotaryHeads);
        var chunk = Math.Max(unit, (1 << 20) / Math.Max(1, columns) / unit * unit);
        var values = new float[(long)chunk * columns];
        var bytes = new byte[(long)chunk * rowBytes];
        for (var r0 = 0; r0 < rows; r0 += chunk)
        {
            var n = Math.Min(chunk, rows - r0);
            _weights.ReadRowsFloat32(name, r0, n, values.AsSpan(0, n * columns));
            var source = rotaryHeads > 0 ? Interleave(values.AsSpan(0, n * columns).ToArray(), columns, rotaryHeads) : values;
            Parallel.For(0, n, r => GgmlQuantizer.QuantizeRow(type, source.AsSpan(r * columns, columns), bytes.AsSpan(r * rowBytes, rowBytes)));
            stream.Write(bytes, 0, n * rowBytes);
        }
    }

    // Hugging Face rotates q/k as two halves of each head (rotate-half); llama.cpp's llama graph rotates adjacent pairs.
    // Row i of the first half and row i of the second half become rows 2i and 2i+1 of the head.
    private static float[] Interleave(float[] rows, int columns, int head)
    {
        var result = new float[rows.Length];
        var half = head / 2;
        var count = rows.Length / columns;
        for (var r = 0; r < count; r++)
        {
            var within = r % head;
            var source = (r - within) + ((within % 2) * half) + (within / 2);
            Array.Copy(rows, (long)source * columns, result, (long)r * columns, columns);
        }

        return result;
    }
}
