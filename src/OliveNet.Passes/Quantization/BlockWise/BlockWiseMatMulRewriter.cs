using Google.Protobuf;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Common;
using OliveNet.Passes.Quantization.Dynamic;

namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>
/// Replaces <c>MatMul(A, B)</c> with a constant float32, float16 or bfloat16 <c>[K, N]</c> B (an initializer or a Constant
/// node of the same graph) by <c>com.microsoft.MatMulNBits</c>, or by blocked <c>DequantizeLinear</c> + <c>MatMul</c> in QDQ
/// form; scales (and HQQ's float zero points) take the weight's type, as MatMulNBits requires (its T1 is A's type).
/// com.microsoft.FusedMatMul with a constant B, a MatMul whose B is a Transpose/Reshape of a constant, and Gemm when listed
/// are first rewritten to that MatMul form (<see cref="WeightMatMulForms"/>).
/// Weights are read, quantized and dropped one at a time, so memory holds one float weight plus the quantized results.
/// A weight that something else still reads stays in the model.
/// </summary>
internal static class BlockWiseMatMulRewriter
{
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>
    /// Rewrites the context's input model and saves it with large tensors in <c>model.onnx.data</c>; then every other
    /// component its genai_config.json names (<see cref="ModelComponents"/>), each under its own name.
    /// </summary>
    /// <exception cref="PassFailedException">QDQ on a model below opset 21.</exception>
    public static void Run(PassContext context, BlockWiseSettings settings)
    {
        var others = ModelComponents.Others(context.Input.ModelPath);
        Run(context, settings, context.Input.ModelPath, context.OutputModelPath, others.Count == 0 ? null : ModelArtifact.ModelFileName);
        foreach (var name in others)
        {
            Run(context, settings, Path.Combine(context.Input.Folder, name), Path.Combine(context.OutputFolder, name), name);
        }

        if (File.Exists(Path.Combine(context.Input.Folder, ModelComponents.GenAiConfigFileName)))
        {
            // A GenAI-layout folder stays one: its configuration and tokenizer files travel with the quantized components.
            Graph.CompanionFiles.Copy(context, OnnxModel.Load(context.Input.ModelPath));
        }
    }

    private static void Run(PassContext context, BlockWiseSettings settings, string input, string output, string? component)
    {
        var model = OnnxModel.Load(input);
        var opset = model.OpsetImports.GetValueOrDefault(string.Empty, 0);
        if (settings.Qdq && opset < 21)
        {
            throw new PassFailedException(
                $"{settings.PassId}: quant_format QDQ writes DequantizeLinear with block_size, which needs ai.onnx opset 21 or later; " +
                $"this model imports opset {opset}. Use quant_format QOperator (MatMulNBits), or convert the model to opset 21 first " +
                "(the pass does not raise the opset itself: other operators changed meaning between opsets).");
        }

        var stats = new Stats();
        var names = new UniqueNames(model);
        foreach (var graph in model.AllGraphs().ToList())
        {
            context.Cancellation.ThrowIfCancellationRequested();
            Rewrite(model, graph, settings, stats, names, context.Cancellation);
        }

        var gathers = (Count: 0, FloatBytes: 0L, QuantizedBytes: 0L);
        if (settings.QuantizeGather && !settings.Qdq)
        {
            gathers = GatherBlockQuantizer.Apply(model, model.MainGraph, settings.BlockSize, settings.GatherSymmetric, settings.Exclude);
        }

        if (stats.Tally.Total + gathers.Count > 0 && !settings.Qdq && !model.OpsetImports.ContainsKey(MicrosoftDomain))
        {
            model.Proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        model.Save(output, new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal, SizeThreshold = 1024 });
        context.Log.WriteLine(
            $"{settings.PassId}{(component is null ? string.Empty : $" ({component})")}: quantized {stats.Tally.Total} matrix product(s) in {(settings.Qdq ? "QDQ" : "MatMulNBits")} form " +
            $"({stats.FloatBytes:N0} weight bytes → {stats.QuantizedBytes:N0}" +
            (stats.HalfWeights > 0 ? $"; {stats.HalfWeights} float16/bfloat16 weight(s), their scales in the same type)." : ").") +
            (settings.QuantizeGather ? $" GatherBlockQuantized: {gathers.Count} embedding table(s) ({gathers.FloatBytes:N0} bytes → {gathers.QuantizedBytes:N0})." : string.Empty));
        stats.Tally.WriteTo(context.Log, settings.PassId);
    }

    private sealed class Stats
    {
        public readonly QuantizationTally Tally = new();
        public int HalfWeights;
        public long FloatBytes;
        public long QuantizedBytes;
    }

    private static bool Selected(NodeProto node, BlockWiseSettings settings) =>
        !settings.Exclude.Contains(node.Name) && (settings.Include.Count == 0 || settings.Include.Contains(node.Name));

    private static void Rewrite(OnnxModel model, GraphView graph, BlockWiseSettings settings, Stats stats, UniqueNames unique, CancellationToken cancellation)
    {
        foreach (var node in graph.Nodes.Where(n => (n is { OpType: "FusedMatMul", Domain: MicrosoftDomain } || (settings.QuantizeGemm && n is { OpType: "Gemm", Domain: "" })) && !Selected(n, settings)))
        {
            stats.Tally.Skip(node.OpType, "it is excluded by name", node.Name);
        }

        var forms = WeightMatMulForms.Apply(model, graph, unique, new MatMulFormSelection(
            n => Selected(n, settings),
            settings.QuantizeGemm,
            type => type is OnnxDataType.Float or OnnxDataType.Float16 or OnnxDataType.BFloat16));
        stats.Tally.Add(forms);
        string Origin(NodeProto n) => forms.Origins.GetValueOrDefault(n.Name, n.OpType);
        var g = graph.Proto;
        var initializers = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var t in g.Initializer)
        {
            initializers.TryAdd(t.Name, t);
        }

        var constants = new Dictionary<string, (NodeProto Node, TensorProto Tensor)>(StringComparer.Ordinal);
        foreach (var n in g.Node)
        {
            if (n.OpType == "Constant" && n.Domain.Length == 0 && n.Output.Count == 1 && n.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } t)
            {
                constants.TryAdd(n.Output[0], (n, t));
            }
        }

        var graphInputs = g.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var names = new HashSet<string>(graphInputs, StringComparer.Ordinal);
        names.UnionWith(initializers.Keys);
        names.UnionWith(g.Node.SelectMany(n => n.Output));
        var made = new Dictionary<(string, int, int), string[]>();
        var touched = new List<string>();
        for (var i = 0; i < g.Node.Count; i++)
        {
            var node = g.Node[i];
            if (node.OpType != "MatMul" || node.Domain.Length != 0 || node.Input.Count != 2)
            {
                continue;
            }

            if (!Selected(node, settings))
            {
                stats.Tally.Skip(Origin(node), "it is excluded by name", node.Name);
                continue;
            }

            var weightName = node.Input[1];
            var tensor = !graphInputs.Contains(weightName) && initializers.TryGetValue(weightName, out var init) ? init
                : constants.TryGetValue(weightName, out var constant) ? constant.Tensor : null;
            if (tensor is null)
            {
                stats.Tally.Skip(Origin(node), "its B is not a constant", node.Name);
                continue;
            }

            var type = (OnnxDataType)tensor.DataType;
            if (type is not (OnnxDataType.Float or OnnxDataType.Float16 or OnnxDataType.BFloat16))
            {
                stats.Tally.Skip(Origin(node), $"its weight is {OnnxDataTypes.Name(type)} (float32, float16 and bfloat16 are quantized)", node.Name);
                continue;
            }

            if (tensor.Dims.Count != 2 || tensor.Dims[0] <= 0 || tensor.Dims[1] <= 0)
            {
                stats.Tally.Skip(Origin(node), "its weight is not a non-empty 2-D [K, N] tensor", node.Name);
                continue;
            }

            cancellation.ThrowIfCancellationRequested();
            var bits = settings.BitsFor(node.Name);
            var blockSize = settings.BlockSizeFor?.Invoke(node.Name) ?? settings.BlockSize;
            if (!made.TryGetValue((weightName, bits, blockSize), out var inputs))
            {
                var (k, n) = ((int)tensor.Dims[0], (int)tensor.Dims[1]);
                var raw = Float32Bytes(tensor, model.BaseDirectory);
                var weight = settings.QuantizeBlocks is { } quantizeBlocks ? quantizeBlocks(raw, k, n, bits, blockSize) : settings.Quantize(raw, k, n, bits);
                if (settings.Qdq)
                {
                    inputs = AddQdq(g, names, weightName, weight, type, out var dq);
                    g.Node.Insert(i++, dq);
                }
                else
                {
                    inputs = AddNBits(g, names, weightName, weight, type);
                }

                made[(weightName, bits, blockSize)] = inputs;
                touched.Add(weightName);
                var elementBytes = OnnxDataTypes.BitsPerElement(type) / 8;
                stats.HalfWeights += type == OnnxDataType.Float ? 0 : 1;
                stats.FloatBytes += (long)k * n * elementBytes;
                stats.QuantizedBytes += weight.Packed.LongLength + (weight.Scales.LongLength * elementBytes)
                    + (weight.ZeroPoints?.LongLength ?? 0) + ((weight.FloatZeroPoints?.LongLength ?? 0) * elementBytes);
            }

            if (settings.Qdq)
            {
                node.Input[1] = inputs[0];
            }
            else
            {
                g.Node[i] = NBitsNode(node, inputs, (int)tensor.Dims[0], (int)tensor.Dims[1], bits, blockSize, settings);
            }

            stats.Tally.Count(Origin(node));
        }

        graph.Invalidate();
        var outputs = g.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in touched)
        {
            if (graph.Consumers(name).Count > 0 || outputs.Contains(name))
            {
                continue;
            }

            if (constants.TryGetValue(name, out var constant))
            {
                g.Node.Remove(constant.Node);
            }
            else
            {
                g.Initializer.Remove(initializers[name]);
            }
        }

        graph.Invalidate();
    }

    private static NodeProto NBitsNode(NodeProto matMul, string[] inputs, int k, int n, int bits, int blockSize, BlockWiseSettings settings)
    {
        var node = new NodeProto
        {
            OpType = "MatMulNBits",
            Domain = MicrosoftDomain,
            Name = (matMul.Name.Length > 0 ? matMul.Name : matMul.Output[0]) + $"_Q{bits}",
        };
        node.Input.Add(matMul.Input[0]);
        node.Input.AddRange(inputs);
        node.Output.AddRange(matMul.Output);
        node.Attribute.Add(Int("K", k));
        node.Attribute.Add(Int("N", n));
        node.Attribute.Add(Int("bits", bits));
        node.Attribute.Add(Int("block_size", blockSize));
        if (settings.AccuracyLevel is { } level)
        {
            node.Attribute.Add(Int("accuracy_level", level));
        }

        return node;
    }

    private static string[] AddNBits(GraphProto g, HashSet<string> names, string weightName, BlockQuantizedWeight w, OnnxDataType type)
    {
        var prefix = Unique(names, $"{weightName}_Q{w.Bits}");
        var result = new List<string> { prefix, Unique(names, prefix + "_scales") };
        g.Initializer.Add(Raw(prefix, OnnxDataType.UInt8, w.Packed, [w.N, w.KBlocks, w.BlobSize]));
        g.Initializer.Add(Floats(result[1], w.Scales, [w.Scales.Length], type));
        if (w.ZeroPoints is not null)
        {
            result.Add(Unique(names, prefix + "_zero_points"));
            g.Initializer.Add(Raw(result[2], OnnxDataType.UInt8, w.ZeroPoints, [w.ZeroPoints.Length]));
        }
        else if (w.FloatZeroPoints is not null)
        {
            result.Add(Unique(names, prefix + "_zero_points"));
            g.Initializer.Add(Floats(result[2], w.FloatZeroPoints, [w.FloatZeroPoints.Length], type));
        }

        return [.. result];
    }

    /// <summary>Adds the <c>[K, N]</c> integer weight, <c>[k_blocks, N]</c> scales (and zero points) and the DequantizeLinear reading them.</summary>
    private static string[] AddQdq(GraphProto g, HashSet<string> names, string weightName, BlockQuantizedWeight w, OnnxDataType type, out NodeProto dq)
    {
        var prefix = Unique(names, $"{weightName}_Q{w.Bits}");
        var (k, n, kb) = (w.K, w.N, w.KBlocks);
        var symmetric = w.ZeroPoints is null;
        var offset = symmetric ? 1 << (w.Bits - 1) : 0;
        var values = new int[(long)k * n];
        for (var row = 0; row < k; row++)
        {
            for (var col = 0; col < n; col++)
            {
                values[((long)row * n) + col] = w.Q(row, col) - offset;
            }
        }

        var scales = new float[(long)kb * n];
        var zeroPoints = new byte[(long)kb * n];
        for (var col = 0; col < n; col++)
        {
            for (var b = 0; b < kb; b++)
            {
                scales[((long)b * n) + col] = w.Scales[((long)col * kb) + b];
                zeroPoints[((long)b * n) + col] = (byte)w.ZeroPoint(b, col);
            }
        }

        TensorProto q = (w.Bits, symmetric) switch
        {
            (4, true) => TensorData.CreateInt4(prefix, values.Select(v => (sbyte)v).ToArray(), [k, n]),
            (4, false) => TensorData.CreateUInt4(prefix, values.Select(v => (byte)v).ToArray(), [k, n]),
            (_, true) => TensorData.Create<sbyte>(prefix, values.Select(v => (sbyte)v).ToArray(), [k, n]),
            _ => TensorData.Create<byte>(prefix, values.Select(v => (byte)v).ToArray(), [k, n]),
        };
        g.Initializer.Add(q);
        var scaleName = Unique(names, prefix + "_scales");
        g.Initializer.Add(Floats(scaleName, scales, [kb, n], type));
        dq = new NodeProto { OpType = "DequantizeLinear", Name = Unique(names, prefix + "_DequantizeLinear") };
        dq.Input.Add(prefix);
        dq.Input.Add(scaleName);
        if (!symmetric)
        {
            var zpName = Unique(names, prefix + "_zero_points");
            g.Initializer.Add(w.Bits == 4
                ? TensorData.CreateUInt4(zpName, zeroPoints, [kb, n])
                : TensorData.Create<byte>(zpName, zeroPoints, [kb, n]));
            dq.Input.Add(zpName);
        }

        var output = Unique(names, prefix + "_dequantized");
        dq.Output.Add(output);
        dq.Attribute.Add(Int("axis", 0));
        dq.Attribute.Add(Int("block_size", w.BlockSize));
        return [output];
    }

    private static string Unique(HashSet<string> names, string name)
    {
        var candidate = name;
        for (var i = 1; !names.Add(candidate); i++)
        {
            candidate = $"{name}_{i}";
        }

        return candidate;
    }

    /// <summary>A tensor whose raw data wraps <paramref name="bytes"/> without copying (the array must not change afterwards).</summary>
    private static TensorProto Raw(string name, OnnxDataType type, byte[] bytes, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = UnsafeByteOperations.UnsafeWrap(bytes) };
        t.Dims.AddRange(dims);
        return t;
    }

    /// <summary>Scales or float zero points in the weight's type (MatMulNBits' T1 and DequantizeLinear's output type follow it).</summary>
    private static TensorProto Floats(string name, float[] values, long[] dims, OnnxDataType type)
    {
        switch (type)
        {
            case OnnxDataType.Float16:
                var half = new Half[values.Length];
                TensorConvert.FromFloat(values, half);
                return TensorData.Create<Half>(name, half, dims);
            case OnnxDataType.BFloat16:
                var brain = new BFloat16[values.Length];
                TensorConvert.FromFloat(values, brain);
                return TensorData.Create<BFloat16>(name, brain, dims);
            default:
                return TensorData.Create<float>(name, values, dims);
        }
    }

    /// <summary>The weight as little-endian float32 bytes: as stored for float32, widened (exactly) for float16/bfloat16.</summary>
    private static byte[] Float32Bytes(TensorProto tensor, string? baseDirectory)
    {
        var type = (OnnxDataType)tensor.DataType;
        if (type == OnnxDataType.Float)
        {
            return TensorData.ReadRawBytes(tensor, baseDirectory);
        }

        var wide = new float[TensorData.ElementCount(tensor)];
        if (type == OnnxDataType.Float16)
        {
            TensorConvert.ToFloat(TensorData.Read<Half>(tensor, baseDirectory), wide);
        }
        else
        {
            TensorConvert.ToFloat(TensorData.Read<BFloat16>(tensor, baseDirectory), wide);
        }

        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(wide.AsSpan()).ToArray();
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
}
