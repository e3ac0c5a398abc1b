using Google.Protobuf;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>
/// Replaces <c>MatMul(A, B)</c> with a constant float32 <c>[K, N]</c> B (an initializer or a Constant node of the same
/// graph) by <c>com.microsoft.MatMulNBits</c>, or by blocked <c>DequantizeLinear</c> + <c>MatMul</c> in QDQ form.
/// Weights are read, quantized and dropped one at a time, so memory holds one float weight plus the quantized results.
/// A weight that something else still reads stays in the model.
/// </summary>
internal static class BlockWiseMatMulRewriter
{
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>Rewrites the context's input model and saves it with large tensors in <c>model.onnx.data</c>.</summary>
    /// <exception cref="PassFailedException">QDQ on a model below opset 21.</exception>
    public static void Run(PassContext context, BlockWiseSettings settings)
    {
        var model = OnnxModel.Load(context.Input.ModelPath);
        var opset = model.OpsetImports.GetValueOrDefault(string.Empty, 0);
        if (settings.Qdq && opset < 21)
        {
            throw new PassFailedException(
                $"{settings.PassId}: quant_format QDQ writes DequantizeLinear with block_size, which needs ai.onnx opset 21 or later; " +
                $"this model imports opset {opset}. Use quant_format QOperator (MatMulNBits), or convert the model to opset 21 first " +
                "(the pass does not raise the opset itself: other operators changed meaning between opsets).");
        }

        var stats = new Stats();
        foreach (var graph in model.AllGraphs().ToList())
        {
            context.Cancellation.ThrowIfCancellationRequested();
            Rewrite(model, graph, settings, stats, context.Cancellation);
        }

        var gathers = (Count: 0, FloatBytes: 0L, QuantizedBytes: 0L);
        if (settings.QuantizeGather && !settings.Qdq)
        {
            gathers = GatherBlockQuantizer.Apply(model, model.MainGraph, settings.BlockSize, settings.GatherSymmetric, settings.Exclude);
        }

        if (stats.Quantized + gathers.Count > 0 && !settings.Qdq && !model.OpsetImports.ContainsKey(MicrosoftDomain))
        {
            model.Proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        model.Save(context.OutputModelPath, new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal, SizeThreshold = 1024 });
        context.Log.WriteLine(
            $"{settings.PassId}: quantized {stats.Quantized} MatMul(s) in {(settings.Qdq ? "QDQ" : "MatMulNBits")} form " +
            $"({stats.FloatBytes:N0} weight bytes → {stats.QuantizedBytes:N0}); left in float: {stats.Excluded} by name, " +
            $"{stats.NotConstant} with a non-constant B, {stats.Unsupported} with a B that is not a 2-D float32 tensor." +
            (settings.QuantizeGather ? $" GatherBlockQuantized: {gathers.Count} embedding table(s) ({gathers.FloatBytes:N0} bytes → {gathers.QuantizedBytes:N0})." : string.Empty));
    }

    private sealed class Stats
    {
        public int Quantized;
        public int Excluded;
        public int NotConstant;
        public int Unsupported;
        public long FloatBytes;
        public long QuantizedBytes;
    }

    private static void Rewrite(OnnxModel model, GraphView graph, BlockWiseSettings settings, Stats stats, CancellationToken cancellation)
    {
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
        var made = new Dictionary<(string, int), string[]>();
        var touched = new List<string>();
        for (var i = 0; i < g.Node.Count; i++)
        {
            var node = g.Node[i];
            if (node.OpType != "MatMul" || node.Domain.Length != 0 || node.Input.Count != 2)
            {
                continue;
            }

            if (settings.Exclude.Contains(node.Name) || (settings.Include.Count > 0 && !settings.Include.Contains(node.Name)))
            {
                stats.Excluded++;
                continue;
            }

            var weightName = node.Input[1];
            var tensor = !graphInputs.Contains(weightName) && initializers.TryGetValue(weightName, out var init) ? init
                : constants.TryGetValue(weightName, out var constant) ? constant.Tensor : null;
            if (tensor is null)
            {
                stats.NotConstant++;
                continue;
            }

            if (tensor.DataType != (int)OnnxDataType.Float || tensor.Dims.Count != 2 || tensor.Dims[0] <= 0 || tensor.Dims[1] <= 0)
            {
                stats.Unsupported++;
                continue;
            }

            cancellation.ThrowIfCancellationRequested();
            var bits = settings.BitsFor(node.Name);
            if (!made.TryGetValue((weightName, bits), out var inputs))
            {
                var (k, n) = ((int)tensor.Dims[0], (int)tensor.Dims[1]);
                var weight = settings.Quantize(TensorData.ReadRawBytes(tensor, model.BaseDirectory), k, n, bits);
                if (settings.Qdq)
                {
                    inputs = AddQdq(g, names, weightName, weight, out var dq);
                    g.Node.Insert(i++, dq);
                }
                else
                {
                    inputs = AddNBits(g, names, weightName, weight);
                }

                made[(weightName, bits)] = inputs;
                touched.Add(weightName);
                stats.FloatBytes += (long)k * n * sizeof(float);
                stats.QuantizedBytes += weight.Packed.LongLength + (weight.Scales.LongLength * sizeof(float))
                    + (weight.ZeroPoints?.LongLength ?? 0) + ((weight.FloatZeroPoints?.LongLength ?? 0) * sizeof(float));
            }

            if (settings.Qdq)
            {
                node.Input[1] = inputs[0];
            }
            else
            {
                g.Node[i] = NBitsNode(node, inputs, (int)tensor.Dims[0], (int)tensor.Dims[1], bits, settings);
            }

            stats.Quantized++;
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

    private static NodeProto NBitsNode(NodeProto matMul, string[] inputs, int k, int n, int bits, BlockWiseSettings settings)
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
        node.Attribute.Add(Int("block_size", settings.BlockSize));
        if (settings.AccuracyLevel is { } level)
        {
            node.Attribute.Add(Int("accuracy_level", level));
        }

        return node;
    }

    private static string[] AddNBits(GraphProto g, HashSet<string> names, string weightName, BlockQuantizedWeight w)
    {
        var prefix = Unique(names, $"{weightName}_Q{w.Bits}");
        var result = new List<string> { prefix, Unique(names, prefix + "_scales") };
        g.Initializer.Add(Raw(prefix, OnnxDataType.UInt8, w.Packed, [w.N, w.KBlocks, w.BlobSize]));
        g.Initializer.Add(Floats(result[1], w.Scales, [w.Scales.Length]));
        if (w.ZeroPoints is not null)
        {
            result.Add(Unique(names, prefix + "_zero_points"));
            g.Initializer.Add(Raw(result[2], OnnxDataType.UInt8, w.ZeroPoints, [w.ZeroPoints.Length]));
        }
        else if (w.FloatZeroPoints is not null)
        {
            result.Add(Unique(names, prefix + "_zero_points"));
            g.Initializer.Add(Floats(result[2], w.FloatZeroPoints, [w.FloatZeroPoints.Length]));
        }

        return [.. result];
    }

    /// <summary>Adds the <c>[K, N]</c> integer weight, <c>[k_blocks, N]</c> scales (and zero points) and the DequantizeLinear reading them.</summary>
    private static string[] AddQdq(GraphProto g, HashSet<string> names, string weightName, BlockQuantizedWeight w, out NodeProto dq)
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
        g.Initializer.Add(Floats(scaleName, scales, [kb, n]));
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

    private static TensorProto Floats(string name, float[] values, long[] dims) => TensorData.Create<float>(name, values, dims);

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
}
