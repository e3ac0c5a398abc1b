using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;
using OliveNet.Passes.Quantization.WeightOnly;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly.Hub;

/// <summary>
/// Writes Hub-style GPTQ and AWQ checkpoints from the math, so that tests need no download: the blocks of an Rtn
/// checkpoint (codes, zero points, scales rounded to fp16) are packed as AutoGPTQ/GPTQModel and AutoAWQ store them
/// (written here from the formats' definitions, independently of the reader under test), and the same blocks are
/// written dequantized as a float32 checkpoint, the reference the converted export must reproduce.
/// </summary>
internal static class HubCheckpointFixtures
{
    /// <summary>AutoAWQ's order: nibble i of a word holds column <c>8c + AwqOrder[i]</c>.</summary>
    private static readonly int[] AwqOrder = [0, 2, 4, 6, 1, 3, 5, 7];

    /// <summary>Hub layouts.</summary>
    public enum Layout
    {
        /// <summary>AutoGPTQ's original layout (zero points stored minus one).</summary>
        Gptq,

        /// <summary>GPTQModel's gptq_v2 (zero points as they are).</summary>
        GptqV2,

        /// <summary>AutoAWQ GEMM.</summary>
        Awq,
    }

    /// <summary>
    /// Writes <paramref name="rtn"/> (an Olive-layout checkpoint) as <paramref name="layout"/> into <paramref name="hub"/>
    /// and its dequantized weights as float32 into <paramref name="dequantized"/>. <paramref name="edit"/> may rename or
    /// drop tensors (malformed checkpoints): it gets each tensor's name and returns the name to write, or null to drop it.
    /// With <paramref name="actOrder"/> (GPTQ), each weight's input rows are stored permuted, as GPTQ's act-order leaves
    /// them: stored row k holds the block values of row Q(k) = 5k mod K, and g_idx[k] = Q(k) / group_size, so each group
    /// is scattered over K; the float checkpoint holds the same permuted weight.
    /// </summary>
    public static void Write(string rtn, Layout layout, string hub, string dequantized, Func<string, string?>? edit = null, bool actOrder = false)
    {
        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(rtn, "config.json")))!;
        using var source = SafeTensorsCheckpoint.Open(rtn);
        var tensors = CheckpointTensors.Create(source, config);
        var olive = QuantizationConfig.Read(config)!;
        var dynamic = new JsonObject();
        var hubTensors = new List<(SafeTensorsWriter.Entry Entry, byte[] Data)>();
        var floatTensors = new List<(SafeTensorsWriter.Entry Entry, byte[] Data)>();
        foreach (var name in source.Names)
        {
            if (name.EndsWith(CheckpointPlan.Suffixes[1], StringComparison.Ordinal) || name.EndsWith(CheckpointPlan.Suffixes[2], StringComparison.Ordinal))
            {
                continue;
            }

            if (!name.EndsWith(CheckpointPlan.Suffixes[0], StringComparison.Ordinal))
            {
                var info = source.Info(name);
                var raw = source.ReadBytes(name);
                hubTensors.Add((new SafeTensorsWriter.Entry(name, info.DType, [.. info.Shape]), raw));
                floatTensors.Add((new SafeTensorsWriter.Entry(name, info.DType, [.. info.Shape]), raw));
                continue;
            }

            var module = name[..^CheckpointPlan.Suffixes[0].Length];
            var w = tensors.Prequantized(module + ".weight")!;
            if (w.Spec.Bits != olive.Default.Bits || w.Spec.GroupSize != olive.Default.GroupSize)
            {
                // GPTQModel's per-module settings: "+:" and a regular expression matched at the start of the name.
                dynamic["+:" + System.Text.RegularExpressions.Regex.Escape(module) + "$"] = new JsonObject { ["bits"] = w.Spec.Bits, ["group_size"] = w.Spec.GroupSize };
            }

            var half = w.Scales.Select(s => (Half)s).ToArray();
            var group = w.Spec.GroupOf(w.Columns);
            var from = Enumerable.Range(0, w.Columns).Select(k => actOrder ? 5 * k % w.Columns : k).ToArray();
            var groupOf = from.Select(k => k / group).ToArray();
            var original = Unpacked(w);
            var codes = new int[original.Length];
            for (var r = 0; r < w.Rows; r++)
            {
                for (var c = 0; c < w.Columns; c++)
                {
                    codes[(r * w.Columns) + c] = original[(r * w.Columns) + from[c]];
                }
            }

            var zeros = new int[w.Rows * w.Groups];
            for (var r = 0; r < w.Rows; r++)
            {
                for (var g = 0; g < w.Groups; g++)
                {
                    zeros[(r * w.Groups) + g] = w.Zero(r, g);
                }
            }

            hubTensors.AddRange(layout == Layout.Awq ? Awq(module, w, codes, zeros, half) : Gptq(module, w, codes, zeros, half, layout == Layout.Gptq ? 1 : 0, groupOf));
            var weight = new float[w.Rows * w.Columns];
            for (var r = 0; r < w.Rows; r++)
            {
                for (var c = 0; c < w.Columns; c++)
                {
                    var g = groupOf[c];
                    weight[(r * w.Columns) + c] = (codes[(r * w.Columns) + c] - zeros[(r * w.Groups) + g]) * (float)half[(r * w.Groups) + g];
                }
            }

            floatTensors.Add((new SafeTensorsWriter.Entry(module + ".weight", "F32", [w.Rows, w.Columns]), MemoryMarshal.AsBytes(weight.AsSpan()).ToArray()));
        }

        var quantization = layout == Layout.Awq
            ? new JsonObject { ["quant_method"] = "awq", ["bits"] = olive.Default.Bits, ["group_size"] = olive.Default.GroupSize, ["version"] = "gemm", ["zero_point"] = true }
            : new JsonObject
            {
                ["quant_method"] = "gptq", ["bits"] = olive.Default.Bits, ["group_size"] = olive.Default.GroupSize, ["desc_act"] = actOrder,
                ["sym"] = olive.Default.Symmetric, ["checkpoint_format"] = layout == Layout.Gptq ? "gptq" : "gptq_v2",
            };
        if (dynamic.Count > 0)
        {
            quantization["dynamic"] = dynamic;
        }

        var hubConfig = (JsonObject)config.DeepClone();
        hubConfig[QuantizationConfig.Key] = quantization;
        var floatConfig = (JsonObject)config.DeepClone();
        floatConfig.Remove(QuantizationConfig.Key);
        Save(rtn, hub, hubConfig, edit is null ? hubTensors : hubTensors.Select(t => (t.Entry with { Name = edit(t.Entry.Name) ?? string.Empty }, t.Data)).Where(t => t.Item1.Name.Length > 0).ToList());
        Save(rtn, dequantized, floatConfig, floatTensors);
    }

    /// <summary>Overwrites one tensor of a written checkpoint with <paramref name="entry"/>'s dtype/shape and <paramref name="data"/>.</summary>
    public static void Replace(string folder, string name, SafeTensorsWriter.Entry entry, byte[] data)
    {
        var path = Path.Combine(folder, SafeTensorsCheckpoint.SingleFile);
        var tensors = new List<(SafeTensorsWriter.Entry Entry, byte[] Data)>();
        using (var checkpoint = SafeTensorsCheckpoint.Open(folder))
        {
            foreach (var n in checkpoint.Names)
            {
                var info = checkpoint.Info(n);
                tensors.Add(n == name ? (entry, data) : (new SafeTensorsWriter.Entry(n, info.DType, [.. info.Shape]), checkpoint.ReadBytes(n)));
            }
        }

        WriteTensors(path, tensors);
    }

    private static IEnumerable<(SafeTensorsWriter.Entry, byte[])> Gptq(string module, PackedWeight w, int[] codes, int[] zeros, Half[] scales, int offset, int[] groupOf)
    {
        var bits = w.Spec.Bits;
        var perWord = 32 / bits;
        var mask = (1 << bits) - 1;
        var qweight = new int[w.Columns / perWord * w.Rows];
        for (var k = 0; k < w.Columns; k++)
        {
            for (var n = 0; n < w.Rows; n++)
            {
                qweight[((k / perWord) * w.Rows) + n] |= codes[(n * w.Columns) + k] << (bits * (k % perWord));
            }
        }

        var qzeros = new int[w.Groups * (w.Rows / perWord)];
        for (var g = 0; g < w.Groups; g++)
        {
            for (var n = 0; n < w.Rows; n++)
            {
                qzeros[(g * (w.Rows / perWord)) + (n / perWord)] |= ((zeros[(n * w.Groups) + g] - offset) & mask) << (bits * (n % perWord));
            }
        }

        yield return (new SafeTensorsWriter.Entry(module + ".qweight", "I32", [w.Columns / perWord, w.Rows]), Bytes(qweight));
        yield return (new SafeTensorsWriter.Entry(module + ".qzeros", "I32", [w.Groups, w.Rows / perWord]), Bytes(qzeros));
        yield return (new SafeTensorsWriter.Entry(module + ".scales", "F16", [w.Groups, w.Rows]), Transposed(scales, w.Rows, w.Groups));
        yield return (new SafeTensorsWriter.Entry(module + ".g_idx", "I32", [w.Columns]), Bytes(groupOf));
    }

    private static IEnumerable<(SafeTensorsWriter.Entry, byte[])> Awq(string module, PackedWeight w, int[] codes, int[] zeros, Half[] scales)
    {
        var qweight = new int[w.Columns * (w.Rows / 8)];
        for (var k = 0; k < w.Columns; k++)
        {
            for (var c = 0; c < w.Rows / 8; c++)
            {
                for (var i = 0; i < 8; i++)
                {
                    qweight[(k * (w.Rows / 8)) + c] |= codes[((((c * 8) + AwqOrder[i]) * w.Columns) + k)] << (4 * i);
                }
            }
        }

        var qzeros = new int[w.Groups * (w.Rows / 8)];
        for (var g = 0; g < w.Groups; g++)
        {
            for (var c = 0; c < w.Rows / 8; c++)
            {
                for (var i = 0; i < 8; i++)
                {
                    qzeros[(g * (w.Rows / 8)) + c] |= zeros[(((c * 8) + AwqOrder[i]) * w.Groups) + g] << (4 * i);
                }
            }
        }

        yield return (new SafeTensorsWriter.Entry(module + ".qweight", "I32", [w.Columns, w.Rows / 8]), Bytes(qweight));
        yield return (new SafeTensorsWriter.Entry(module + ".qzeros", "I32", [w.Groups, w.Rows / 8]), Bytes(qzeros));
        yield return (new SafeTensorsWriter.Entry(module + ".scales", "F16", [w.Groups, w.Rows]), Transposed(scales, w.Rows, w.Groups));
    }

    /// <summary>Codes <c>[rows, columns]</c>, one int each.</summary>
    private static int[] Unpacked(PackedWeight w)
    {
        var rowBytes = PackedWeight.PackedBytes(w.Columns, w.Spec.Bits);
        var result = new int[w.Rows * w.Columns];
        for (var r = 0; r < w.Rows; r++)
        {
            for (var c = 0; c < w.Columns; c++)
            {
                result[(r * w.Columns) + c] = PackedWeight.Unpack(w.Codes.AsSpan(r * rowBytes, rowBytes), c, w.Spec.Bits);
            }
        }

        return result;
    }

    /// <summary>[rows, columns] fp16 → [columns, rows] bytes.</summary>
    private static byte[] Transposed(Half[] values, int rows, int columns)
    {
        var result = new Half[values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = values[(r * columns) + c];
            }
        }

        return MemoryMarshal.AsBytes(result.AsSpan()).ToArray();
    }

    private static byte[] Bytes(int[] words)
    {
        var result = new byte[words.Length * 4];
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(i * 4), words[i]);
        }

        return result;
    }

    private static void Save(string source, string folder, JsonObject config, List<(SafeTensorsWriter.Entry Entry, byte[] Data)> tensors)
    {
        Directory.CreateDirectory(folder);
        CheckpointWriter.CopyCompanions(source, folder);
        CheckpointWriter.WriteText(Path.Combine(folder, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        WriteTensors(Path.Combine(folder, SafeTensorsCheckpoint.SingleFile), tensors);
    }

    private static void WriteTensors(string path, List<(SafeTensorsWriter.Entry Entry, byte[] Data)> tensors)
    {
        using var writer = new SafeTensorsWriter(path, tensors.Select(t => t.Entry).ToList());
        tensors.ForEach(t => writer.Append(t.Data));
        writer.Commit();
    }
}
