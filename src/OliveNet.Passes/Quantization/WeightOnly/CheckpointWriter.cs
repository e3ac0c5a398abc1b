using System.Text.Json;
using System.Text.Json.Nodes;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// Writes a quantized checkpoint in Olive's layout: one <c>model.safetensors</c> where each quantized module's float
/// <c>weight</c> is replaced by <c>weight_qweight</c> (U8 <c>[out, in·bits/8]</c>), <c>weight_scales</c> (the weight's
/// dtype, <c>[out, groups]</c>) and, when asymmetric, <c>weight_qzeros</c> (U8 <c>[out, ⌈groups·bits/8⌉]</c>); every
/// other tensor copied byte for byte; config.json with the <c>quantization_config</c>; the other files (tokenizer,
/// generation config) copied. Tensors are written one at a time, so memory holds one weight.
/// </summary>
internal static class CheckpointWriter
{
    /// <summary>Writes the output checkpoint into <paramref name="output"/>; <paramref name="quantize"/> produces each target's blocks.</summary>
    public static void Write(
        string source, SafeTensorsCheckpoint checkpoint, JsonObject config, CheckpointPlan plan, string output, Func<QuantTarget, PackedWeight> quantize)
    {
        Directory.CreateDirectory(output);
        var byModule = plan.Targets.ToDictionary(t => t.Module, StringComparer.Ordinal);
        var bySource = plan.Targets.Where(t => t.Module + ".weight" == t.Source).ToDictionary(t => t.Source, StringComparer.Ordinal);
        var entries = new List<SafeTensorsWriter.Entry>();
        var producers = new List<Action<SafeTensorsWriter>>();
        foreach (var name in checkpoint.Names)
        {
            if (bySource.TryGetValue(name, out var target))
            {
                AddQuantized(target, entries, producers, quantize);
                continue;
            }

            var info = checkpoint.Info(name);
            entries.Add(new SafeTensorsWriter.Entry(name, info.DType, [.. info.Shape]));
            producers.Add(w => w.Append(checkpoint.ReadBytes(name)));
        }

        if (plan.Untie)
        {
            if (byModule.TryGetValue("lm_head", out var head))
            {
                AddQuantized(head, entries, producers, quantize);
            }
            else
            {
                var info = checkpoint.Info("model.embed_tokens.weight");
                entries.Add(new SafeTensorsWriter.Entry("lm_head.weight", info.DType, [.. info.Shape]));
                producers.Add(w => w.Append(checkpoint.ReadBytes("model.embed_tokens.weight")));
            }
        }
        else if (byModule.TryGetValue("lm_head", out var head) && head.Source != "lm_head.weight")
        {
            throw new PlanException("lm_head is tied to the embeddings but would be quantized on its own; this is a bug in the plan.");
        }

        using (var writer = new SafeTensorsWriter(Path.Combine(output, SafeTensorsCheckpoint.SingleFile), entries))
        {
            producers.ForEach(p => p(writer));
            writer.Commit();
        }

        var outConfig = (JsonObject)config.DeepClone();
        outConfig[QuantizationConfig.Key] = plan.Config.ToJson();
        if (plan.Untie)
        {
            outConfig["tie_word_embeddings"] = false;
        }

        WriteText(Path.Combine(output, "config.json"), outConfig.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        CopyCompanions(source, output);
    }

    /// <summary>Copies the top-level files that are not weights or config.json (tokenizer, generation config, templates).</summary>
    public static void CopyCompanions(string source, string output)
    {
        foreach (var file in Directory.EnumerateFiles(source).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (name is "config.json" or SafeTensorsCheckpoint.IndexFile || name.EndsWith(".safetensors", StringComparison.Ordinal)
                || name.EndsWith(".bin", StringComparison.Ordinal) || name.StartsWith('.'))
            {
                continue;
            }

            File.Copy(file, Path.Combine(output, name), overwrite: true);
        }
    }

    /// <summary>Writes text durably (temp file, then rename).</summary>
    public static void WriteText(string path, string text)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, text + "\n");
        File.Move(temp, path, overwrite: true);
    }

    private static void AddQuantized(QuantTarget t, List<SafeTensorsWriter.Entry> entries, List<Action<SafeTensorsWriter>> producers, Func<QuantTarget, PackedWeight> quantize)
    {
        var groups = t.Spec.GroupsOf(t.Columns);
        entries.Add(new SafeTensorsWriter.Entry(t.Module + Suffix(0), "U8", [t.Rows, PackedWeight.PackedBytes(t.Columns, t.Spec.Bits)]));
        entries.Add(new SafeTensorsWriter.Entry(t.Module + Suffix(1), t.ScaleDType, [t.Rows, groups]));
        if (!t.Spec.Symmetric)
        {
            entries.Add(new SafeTensorsWriter.Entry(t.Module + Suffix(2), "U8", [t.Rows, PackedWeight.PackedBytes(groups, t.Spec.Bits)]));
        }

        producers.Add(w =>
        {
            var q = quantize(t);
            w.Append(q.Codes);
            w.Append(ScaleType.Bytes(q.Scales, t.ScaleDType));
            if (q.Zeros is not null)
            {
                w.Append(q.Zeros);
            }
        });
    }

    private static string Suffix(int i) => CheckpointPlan.Suffixes[i];
}
