using System.Text.Json.Nodes;
using Google.Protobuf;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;
using OliveNet.Runtime;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// Runs one decoder layer at a time through ONNX Runtime to get GPTQ's calibration activations, without Python: the
/// layer's weights go into a one-layer checkpoint (layer i renamed to layer 0), ModelBuilder exports it in fp32 taking
/// <c>inputs_embeds</c> (the residual stream entering the layer) and the graph is given extra outputs: the input of
/// every MatMul (what GPTQ's Hessians are built from) and the residual stream leaving the layer (the input of the
/// next). Only one layer's weights and the calibration residual streams are in memory at a time.
/// </summary>
internal sealed class LayerCalibrator(JsonObject config, HfConfig hf, SafeTensorsCheckpoint checkpoint, string work)
{
    // ModelBuilder's MatMul weights → the Hugging Face modules whose input that MatMul reads.
    private static readonly (string Exported, string[] Modules)[] Inputs =
    [
        ("attn.qkv_proj", ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.qkv_proj"]),
        ("attn.o_proj", ["self_attn.o_proj"]),
        ("mlp.gate_proj", ["mlp.gate_proj", "mlp.gate_up_proj"]),
        ("mlp.up_proj", ["mlp.up_proj", "mlp.gate_up_proj"]),
        ("mlp.down_proj", ["mlp.down_proj"]),
    ];

    /// <summary>The residual stream entering layer 0: embedding rows (scaled by √hidden for Gemma), <c>[tokens, hidden]</c> per sample.</summary>
    public float[][] Embed(IReadOnlyList<long[]> samples) => Embed(samples, checkpoint.ReadFloat32("model.embed_tokens.weight"));

    /// <summary>The residual stream entering layer 0 with <paramref name="table"/> (<c>[vocab, hidden]</c>) as the embedding table.</summary>
    public float[][] Embed(IReadOnlyList<long[]> samples, float[] table)
    {
        var scale = hf.Family == DecoderFamily.Gemma3 ? MathF.Sqrt(hf.Hidden) : 1f;
        return samples.Select(ids =>
        {
            var x = new float[ids.Length * hf.Hidden];
            for (var t = 0; t < ids.Length; t++)
            {
                var row = table.AsSpan((int)ids[t] * hf.Hidden, hf.Hidden);
                for (var i = 0; i < hf.Hidden; i++)
                {
                    x[(t * hf.Hidden) + i] = row[i] * scale;
                }
            }

            return x;
        }).ToArray();
    }

    /// <summary>The final norm of the residual stream (the LM head's input), in place.</summary>
    public void FinalNorm(float[] x) => FinalNorm(x, checkpoint.ReadFloat32("model.norm.weight"));

    /// <summary>The final norm of the residual stream with the norm's weight <paramref name="w"/> already read, in place.</summary>
    public void FinalNorm(float[] x, float[] w)
    {
        for (var t = 0; t < x.Length / hf.Hidden; t++)
        {
            var row = x.AsSpan(t * hf.Hidden, hf.Hidden);
            double sum = 0;
            foreach (var v in row)
            {
                sum += (double)v * v;
            }

            var inv = (float)(1 / Math.Sqrt((sum / hf.Hidden) + hf.RmsEps));
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = row[i] * inv * (hf.Family == DecoderFamily.Gemma3 ? 1 + w[i] : w[i]);
            }
        }
    }

    /// <summary>Exports layer <paramref name="layer"/> with <paramref name="replaced"/> tensors (Hugging Face name → float values) standing in for the checkpoint's.</summary>
    /// <exception cref="PlanException">A module in <paramref name="modules"/> has no MatMul input in the export.</exception>
    /// <param name="tag">Names the work folder, so that several exports of one layer can be open at once.</param>
    public LayerRun Open(int layer, IReadOnlyDictionary<string, float[]> replaced, IReadOnlyList<string> modules, string? tag = null)
    {
        var folder = Path.Combine(work, $"layer{layer}-{tag ?? (replaced.Count == 0 ? "float" : "quantized")}");
        var slice = Path.Combine(folder, "checkpoint");
        var onnx = Path.Combine(folder, "onnx");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(slice);
        WriteSlice(layer, replaced, slice);
        ModelBuilderPass.Export(slice, onnx, new ExportSettings("fp32", 32, true, 0, ExcludeEmbeds: true, ExcludeLmHead: true), TextWriter.Null, default);
        Directory.Delete(slice, recursive: true);

        var modelPath = Path.Combine(onnx, "model.onnx");
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
        var graph = model.Graph;
        var inputOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in graph.Node.Where(n => n.OpType == "MatMul" && n.Input.Count == 2))
        {
            var weight = node.Input[1];
            const string Prefix = "model.layers.0.";
            if (!weight.StartsWith(Prefix, StringComparison.Ordinal) || !weight.EndsWith(".weight", StringComparison.Ordinal))
            {
                continue;
            }

            var exported = weight[Prefix.Length..^".weight".Length];
            foreach (var m in Inputs.Where(i => i.Exported == exported).SelectMany(i => i.Modules))
            {
                inputOf[$"model.layers.{layer}.{m}"] = node.Input[0];
            }
        }

        var missing = modules.Where(m => !inputOf.ContainsKey(m)).ToList();
        if (missing.Count > 0)
        {
            throw new PlanException($"Gptq: no MatMul in the exported layer {layer} reads the input of {string.Join(", ", missing)}; GPTQ cannot calibrate these modules (leave them to Rtn with modules_to_not_convert).");
        }

        var residual = graph.Node.Last(n => n.OpType == "SkipSimplifiedLayerNormalization" && n.Output.Count > 3 && n.Output[3].Length > 0).Output[3];
        var outputs = inputOf.Where(kv => modules.Contains(kv.Key)).Select(kv => kv.Value).Distinct(StringComparer.Ordinal).Append(residual).ToList();
        foreach (var name in outputs.Where(o => graph.Output.All(g => g.Name != o)))
        {
            graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        using (var stream = new FileStream(modelPath, FileMode.Create, FileAccess.Write))
        {
            model.WriteTo(stream);
        }

        return new LayerRun(new InferenceSession(modelPath), hf, inputOf, residual, folder);
    }

    private void WriteSlice(int layer, IReadOnlyDictionary<string, float[]> replaced, string folder)
    {
        var sliceConfig = (JsonObject)config.DeepClone();
        sliceConfig["num_hidden_layers"] = 1;
        sliceConfig.Remove(QuantizationConfig.Key);
        sliceConfig.Remove(QuantizationConfig.MixedPrecisionKey);
        if (hf.Family == DecoderFamily.Gemma3)
        {
            var local = config["layer_types"] is JsonArray types && layer < types.Count
                ? types[layer]!.GetValue<string>() == "sliding_attention"
                : (layer + 1) % (int)(hf.Number("sliding_window_pattern") ?? 6) != 0;
            sliceConfig["layer_types"] = new JsonArray(local ? "sliding_attention" : "full_attention");
        }

        // The slice's one layer keeps the real layer's kind: SmolLM3's RoPE or NoPE, OLMo 3's sliding or full attention.
        if (hf.Family == DecoderFamily.SmolLM3)
        {
            sliceConfig["no_rope_layers"] = new JsonArray(hf.UsesRope(layer) ? 1 : 0);
        }

        if (hf.Family == DecoderFamily.Olmo3)
        {
            sliceConfig["layer_types"] = new JsonArray(hf.LayerType(layer));
        }

        CheckpointWriter.WriteText(Path.Combine(folder, "config.json"), sliceConfig.ToJsonString());
        var prefix = $"model.layers.{layer}.";
        var names = checkpoint.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Append("model.norm.weight").ToList();
        var entries = names.Select(n => new SafeTensorsWriter.Entry(Renamed(n, prefix), "F32", [.. checkpoint.Info(n).Shape])).ToList();
        using var writer = new SafeTensorsWriter(Path.Combine(folder, SafeTensorsCheckpoint.SingleFile), entries);
        foreach (var n in names)
        {
            var values = replaced.TryGetValue(n, out var r) ? r : checkpoint.ReadFloat32(n);
            writer.Append(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }

        writer.Commit();
    }

    private static string Renamed(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) ? "model.layers.0." + name[prefix.Length..] : name;
}
