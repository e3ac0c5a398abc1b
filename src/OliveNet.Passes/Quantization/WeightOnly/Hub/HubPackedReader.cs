using System.Buffers.Binary;
using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Quantization.WeightOnly.Hub;

/// <summary>
/// Converts one linear of a GPTQ or AWQ checkpoint into a <see cref="PackedWeight"/> (Olive's layout, which is
/// MatMulNBits's): the weight is <c>W[k, n] = scales[g(k), n] · (q[k, n] − zero[g(k), n])</c> for input row k, output
/// column n and group g(k) = k / group_size, with
/// <list type="bullet">
/// <item>GPTQ: <c>qweight</c> I32 <c>[K·bits/32, N]</c>, the codes of 32/bits consecutive input rows in one word, lowest
/// bits first; <c>qzeros</c> I32 <c>[groups, N·bits/32]</c>, consecutive output columns in one word; the original
/// layout stores zero − 1 (<see cref="HubQuantizationConfig.ZeroOffset"/>); <c>g_idx</c> I32 <c>[K]</c>, the group of each
/// input row (act-order checkpoints scatter the groups over K: the codes are then stored with the input rows sorted by
/// group, <see cref="PackedWeight.InputOrder"/>);</item>
/// <item>AWQ GEMM: <c>qweight</c> I32 <c>[K, N/8]</c>, eight output columns per word with column j in nibble
/// <c>[0, 4, 1, 5, 2, 6, 3, 7][j]</c> (AutoAWQ's interleave); <c>qzeros</c> I32 <c>[groups, N/8]</c> packed the same way;</item>
/// <item>both: <c>scales</c> F16 (or BF16/F32) <c>[groups, N]</c>.</item>
/// </list>
/// A GPTQ word holds the codes of consecutive input rows lowest first, so its four little-endian bytes are already
/// MatMulNBits's packed bytes for those rows: GPTQ codes are copied word by word; AWQ codes are unpacked and repacked.
/// Every tensor's dtype and shape is checked against the others and the config, and a mismatch names the tensor.
/// </summary>
internal static class HubPackedReader
{
    private static readonly int[] AwqNibble = [0, 4, 1, 5, 2, 6, 3, 7];

    /// <summary>Whether <paramref name="module"/> (e.g. <c>model.layers.0.mlp.up_proj</c>) is stored quantized.</summary>
    public static bool IsQuantized(SafeTensorsCheckpoint checkpoint, string module) => checkpoint.Contains(module + ".qweight");

    /// <summary>The float shape <c>[N (out), K (in)]</c> of a quantized module, from its qweight's header.</summary>
    /// <exception cref="ExportException">qweight is not a 2-D I32 tensor.</exception>
    public static (int Rows, int Columns) Shape(SafeTensorsCheckpoint checkpoint, string module, HubQuantizationConfig config)
    {
        var info = checkpoint.Info(module + ".qweight");
        if (info.DType != "I32" || info.Shape.Count != 2)
        {
            throw Bad(checkpoint, module + ".qweight", $"is {info.DType} [{string.Join(", ", info.Shape)}]; {config.Method} packs codes into a 2-D I32 tensor");
        }

        var perWord = 32 / config.For(module).Bits;
        return config.Method == "awq"
            ? ((int)info.Shape[1] * perWord, (int)info.Shape[0])
            : ((int)info.Shape[1], (int)info.Shape[0] * perWord);
    }

    /// <summary>The module's blocks in MatMulNBits's layout.</summary>
    /// <exception cref="ExportException">A tensor is missing or its dtype/shape does not fit; the message names it.</exception>
    public static PackedWeight Read(SafeTensorsCheckpoint checkpoint, string module, HubQuantizationConfig config)
    {
        var (n, k) = Shape(checkpoint, module, config);
        var (bits, groupSize) = config.For(module);
        var perWord = 32 / bits;
        var group = groupSize == -1 ? k : groupSize;
        if (k % group != 0)
        {
            throw Bad(checkpoint, module + ".qweight", $"holds {k} input rows, not a whole number of groups of {group}; does quantization_config.group_size match the weights");
        }

        var groups = k / group;
        foreach (var suffix in new[] { ".scales", ".qzeros" })
        {
            if (!checkpoint.Contains(module + suffix))
            {
                throw Bad(checkpoint, module + suffix, $"is missing; a {config.Method} linear has qweight, qzeros and scales");
            }
        }

        Expect(checkpoint, module + ".scales", ["F16", "BF16", "F32"], groups, n);
        Expect(checkpoint, module + ".qzeros", ["I32"], groups, n / perWord);
        if (n % perWord != 0)
        {
            throw Bad(checkpoint, module + ".qzeros", $"packs {perWord} output columns per word, but the layer has {n}");
        }

        var order = InputOrder(checkpoint, module, k, group);
        var words = Words(checkpoint.ReadBytes(module + ".qweight"));
        var zeroWords = Words(checkpoint.ReadBytes(module + ".qzeros"));
        var groupScales = checkpoint.ReadFloat32(module + ".scales");
        var rowBytes = PackedWeight.PackedBytes(k, bits);
        var codes = new byte[(long)n * rowBytes];
        if (config.Method == "awq")
        {
            UnpackAwq(words, k, n, codes, rowBytes);
        }
        else
        {
            for (var word = 0; word < k / perWord; word++)
            {
                for (var col = 0; col < n; col++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(codes.AsSpan((col * rowBytes) + (word * 4), 4), words[((long)word * n) + col]);
                }
            }
        }

        if (order is not null)
        {
            codes = Permuted(codes, n, k, bits, order);
        }

        var spec = new QuantSpec(bits, groupSize, Symmetric: false);
        var scales = new float[(long)n * groups];
        var zeroValues = new int[(long)n * groups];
        var mask = (1 << bits) - 1;
        var symmetric = true;
        for (var g = 0; g < groups; g++)
        {
            for (var col = 0; col < n; col++)
            {
                scales[((long)col * groups) + g] = groupScales[((long)g * n) + col];
                var word = zeroWords[((long)g * (n / perWord)) + (col / perWord)];
                var slot = config.Method == "awq" ? AwqNibble[col % perWord] : col % perWord;
                var zero = (((word >>> (slot * bits)) & mask) + config.ZeroOffset) & mask;
                zeroValues[((long)col * groups) + g] = zero;
                symmetric &= zero == spec.MidQ;
            }
        }

        if (symmetric)
        {
            return new PackedWeight(n, k, spec with { Symmetric = true }, codes, scales, null, order);
        }

        var zeroRow = PackedWeight.PackedBytes(groups, bits);
        var zeros = new byte[(long)n * zeroRow];
        for (var col = 0; col < n; col++)
        {
            PackedWeight.Pack(zeroValues.AsSpan(col * groups, groups), zeros.AsSpan(col * zeroRow, zeroRow), bits);
        }

        return new PackedWeight(n, k, spec, codes, scales, zeros, order);
    }

    /// <summary>AWQ: word [k, c] holds columns 8c..8c+7 interleaved; MatMulNBits wants, per column, input rows packed two per byte.</summary>
    private static void UnpackAwq(int[] words, int k, int n, byte[] codes, int rowBytes)
    {
        var wordsPerRow = n / 8;
        for (var row = 0; row < k; row++)
        {
            var shift = 4 * (row & 1);
            for (var c = 0; c < wordsPerRow; c++)
            {
                var word = words[((long)row * wordsPerRow) + c];
                for (var j = 0; j < 8; j++)
                {
                    var code = (word >>> (4 * AwqNibble[j])) & 0xF;
                    codes[((long)((c * 8) + j) * rowBytes) + (row / 2)] |= (byte)(code << shift);
                }
            }
        }
    }

    /// <summary>
    /// The input order that makes the groups contiguous, or null when <c>g_idx</c> is absent or already k / group_size.
    /// An act-order checkpoint (GPTQ desc_act) quantized the input rows in order of decreasing Hessian diagonal and
    /// numbered the groups in that order, so <c>g_idx</c> puts exactly group_size rows in each group, scattered over K;
    /// the rows sorted by group (stable) are the order GPTQ quantized them in.
    /// </summary>
    private static int[]? InputOrder(SafeTensorsCheckpoint checkpoint, string module, int k, int group)
    {
        var name = module + ".g_idx";
        if (!checkpoint.Contains(name))
        {
            return null;
        }

        var info = checkpoint.Info(name);
        if (info.DType != "I32" || info.Shape.Count != 1 || info.Shape[0] != k)
        {
            throw Bad(checkpoint, name, $"is {info.DType} [{string.Join(", ", info.Shape)}]; the group index of a linear with {k} input rows is I32 [{k}]");
        }

        var index = Words(checkpoint.ReadBytes(name));
        var groups = k / group;
        var counts = new int[groups];
        var trivial = true;
        for (var i = 0; i < k; i++)
        {
            if (index[i] < 0 || index[i] >= groups)
            {
                throw Bad(checkpoint, name, $"puts input row {i} in group {index[i]}; there are {groups} groups of {group}");
            }

            counts[index[i]]++;
            trivial &= index[i] == i / group;
        }

        if (trivial)
        {
            return null;
        }

        if (counts.Any(c => c != group))
        {
            throw Bad(checkpoint, name,
                $"puts {counts.Min()}..{counts.Max()} input rows in a group, not {group} each; MatMulNBits blocks hold group_size rows, so ModelBuilder converts act-order checkpoints whose groups are whole (GPTQ without static_groups)");
        }

        var order = new int[k];
        var next = new int[groups];
        for (var i = 0; i < k; i++)
        {
            var g = index[i];
            order[(g * group) + next[g]++] = i;
        }

        return order;
    }

    /// <summary>Codes with each row's input columns in <paramref name="order"/>.</summary>
    private static byte[] Permuted(byte[] codes, int n, int k, int bits, int[] order)
    {
        var rowBytes = PackedWeight.PackedBytes(k, bits);
        var result = new byte[codes.Length];
        var values = new int[k];
        for (var r = 0; r < n; r++)
        {
            var row = codes.AsSpan(r * rowBytes, rowBytes);
            for (var c = 0; c < k; c++)
            {
                values[c] = PackedWeight.Unpack(row, order[c], bits);
            }

            PackedWeight.Pack(values, result.AsSpan(r * rowBytes, rowBytes), bits);
        }

        return result;
    }

    private static void Expect(SafeTensorsCheckpoint checkpoint, string name, string[] dtypes, long rows, long columns)
    {
        var info = checkpoint.Info(name);
        if (!dtypes.Contains(info.DType) || info.Shape.Count != 2 || info.Shape[0] != rows || info.Shape[1] != columns)
        {
            throw Bad(checkpoint, name, $"is {info.DType} [{string.Join(", ", info.Shape)}]; the qweight and quantization_config imply {string.Join("/", dtypes)} [{rows}, {columns}]");
        }
    }

    private static int[] Words(byte[] raw)
    {
        var result = new int[raw.Length / 4];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(i * 4, 4));
        }

        return result;
    }

    private static ExportException Bad(SafeTensorsCheckpoint checkpoint, string tensor, string what) =>
        new($"{checkpoint.Folder}: tensor '{tensor}' {what}.");
}
