using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Float16;

/// <summary>
/// Rewrites one loaded model to float16 following ONNX Runtime's <c>convert_float_to_float16</c> semantics: every
/// float32 value becomes float16 except inside blocked nodes (Casts around them) and at kept graph inputs/outputs
/// (Casts at the boundary). Because every float32 name of the original model is float16 afterwards, values crossing
/// into If/Loop/Scan bodies keep one type on both sides.
/// </summary>
internal sealed partial class Float16Rewriter
{
    private const int Float = (int)OnnxDataType.Float;
    private const int Half = (int)OnnxDataType.Float16;

    private readonly OnnxModel _model;
    private readonly OnnxFloatToFloat16Options _options;
    private readonly HashSet<string> _blockedOps;
    private readonly HashSet<string> _blockedNodeNames;
    private readonly HashSet<NodeProto> _blocked = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _keptInputs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keptOutputs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _float32Initializers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);
    private readonly Float16Staging? _staging;
    private Dictionary<string, int> _types = [];

    /// <param name="model">Rewritten in place.</param>
    /// <param name="options">The pass options.</param>
    /// <param name="staging">Receives each narrowed tensor as it is made; null keeps them inline in memory.</param>
    public Float16Rewriter(OnnxModel model, OnnxFloatToFloat16Options options, Float16Staging? staging = null)
    {
        _model = model;
        _options = options;
        _staging = staging;
        _blockedOps = new HashSet<string>(options.OpBlockList ?? OnnxFloatToFloat16Pass.DefaultOpBlockList, StringComparer.Ordinal);
        _blockedNodeNames = new HashSet<string>(options.NodeBlockList, StringComparer.Ordinal);
    }

    /// <summary>What the rewrite did, for the log.</summary>
    public Float16Stats Stats { get; } = new();

    /// <summary>Rewrites the model in place.</summary>
    /// <exception cref="PassFailedException">A blocked node holds a subgraph, or a kept name is not a graph input or output.</exception>
    public void Run(CancellationToken cancellation)
    {
        _types = ElementTypeInference.Infer(_model);
        var graphs = _model.AllGraphs().ToList();
        CollectNamesAndBlocked(graphs);
        CollectKeptIo();
        ConvertWeights(graphs, cancellation);
        ConvertTypeAttributes(graphs);
        ConvertValueInfos(graphs);
        foreach (var graph in graphs)
        {
            WrapBlockedNodes(graph);
        }

        AddBoundaryCasts();
        foreach (var graph in graphs)
        {
            graph.Invalidate();
        }
    }

    private void CollectNamesAndBlocked(List<GraphView> graphs)
    {
        foreach (var graph in graphs)
        {
            var g = graph.Proto;
            foreach (var v in g.Input.Concat(g.Output).Concat(g.ValueInfo))
            {
                _usedNames.Add(v.Name);
            }

            foreach (var t in g.Initializer)
            {
                _usedNames.Add(t.Name);
            }

            foreach (var node in g.Node)
            {
                _usedNames.Add(node.Name);
                _usedNames.UnionWith(node.Output);
                if (_blockedOps.Contains(node.OpType) || _blockedNodeNames.Contains(node.Name))
                {
                    if (graph.SubgraphsOf(node).Count > 0)
                    {
                        throw new PassFailedException(
                            $"OnnxFloatToFloat16: node '{node.Name}' ({node.OpType}, in {graph.Path}) is blocked but holds subgraphs; " +
                            "its body would read float16 values from the enclosing graph as float32. Remove it from op_block_list/node_block_list " +
                            "and block the nodes inside its body instead.");
                    }

                    _blocked.Add(node);
                }
            }
        }
    }

    private void CollectKeptIo()
    {
        var g = _model.MainGraph.Proto;
        var initializers = g.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = g.Input.Where(v => !initializers.Contains(v.Name)).Select(v => v.Name).ToList();
        var outputs = g.Output.Select(v => v.Name).ToList();
        foreach (var name in _options.KeepIoTypesNames)
        {
            if (!inputs.Contains(name) && !outputs.Contains(name))
            {
                throw new PassFailedException(
                    $"OnnxFloatToFloat16: keep_io_types_names: '{name}' is not a graph input or output. " +
                    $"Inputs: {string.Join(", ", inputs)}; outputs: {string.Join(", ", outputs)}.");
            }
        }

        bool Kept(string name) => (_options.KeepIoTypes || _options.KeepIoTypesNames.Contains(name)) && _types.GetValueOrDefault(name) == Float;
        _keptInputs.UnionWith(inputs.Where(Kept));
        _keptOutputs.UnionWith(outputs.Where(n => Kept(n) && !_keptInputs.Contains(n)));
    }

    /// <summary>Converts float32 initializers read by a non-blocked node (or every one when forced) and float tensor attributes of non-blocked nodes.</summary>
    private void ConvertWeights(List<GraphView> graphs, CancellationToken cancellation)
    {
        var readAsFloat16 = new HashSet<string>(StringComparer.Ordinal);
        foreach (var graph in graphs)
        {
            foreach (var node in graph.Proto.Node.Where(n => !_blocked.Contains(n)))
            {
                readAsFloat16.UnionWith(node.Input);
            }

            readAsFloat16.UnionWith(graph.Proto.Output.Select(o => o.Name).Where(n => graph.Parent is not null || !_keptOutputs.Contains(n)));
        }

        var minPositive = (float)_options.MinPositiveVal;
        var maxFinite = (float)_options.MaxFiniteVal;
        foreach (var graph in graphs)
        {
            var tensors = graph.Proto.Initializer.Concat(graph.Proto.SparseInitializer.Where(s => s.Values is not null).Select(s => s.Values));
            foreach (var t in tensors)
            {
                if (t.DataType != Float)
                {
                    continue;
                }

                if (_options.ForceFp16Initializers || readAsFloat16.Contains(t.Name))
                {
                    cancellation.ThrowIfCancellationRequested();
                    ConvertTensor(t, minPositive, maxFinite);
                }
                else
                {
                    _float32Initializers.Add(t.Name);
                }
            }

            foreach (var node in graph.Proto.Node.Where(n => !_blocked.Contains(n)))
            {
                cancellation.ThrowIfCancellationRequested();
                ConvertAttributeTensors(node, minPositive, maxFinite);
            }
        }
    }

    private void ConvertAttributeTensors(NodeProto node, float minPositive, float maxFinite)
    {
        for (var i = 0; i < node.Attribute.Count; i++)
        {
            var a = node.Attribute[i];
            if (a.T is { DataType: Float })
            {
                ConvertTensor(a.T, minPositive, maxFinite);
            }

            if (a.SparseTensor?.Values is { DataType: Float } sparse)
            {
                ConvertTensor(sparse, minPositive, maxFinite);
            }

            foreach (var t in a.Tensors.Where(t => t.DataType == Float))
            {
                ConvertTensor(t, minPositive, maxFinite);
            }

            if (node.OpType == "Constant" && a.Name is "value_float" or "value_floats")
            {
                // value_float(s) always means float32; restate it as a float16 tensor.
                float[] values = a.Name == "value_float" ? [a.F] : a.Floats.ToArray();
                long[] dims = a.Name == "value_float" ? [] : [values.Length];
                var tensor = TensorData.Create<float>(string.Empty, values, dims);
                ConvertTensor(tensor, minPositive, maxFinite);
                node.Attribute[i] = new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = tensor };
            }
        }
    }

    private void ConvertTensor(TensorProto t, float minPositive, float maxFinite)
    {
        Stats.Float32Bytes += TensorData.ByteSize(t);
        Float16Weights.Convert(t, _model.BaseDirectory, minPositive, maxFinite, _staging);
        Stats.Float16Bytes += OnnxDataTypes.ByteCount(OnnxDataType.Float16, TensorData.ElementCount(t));
        Stats.Tensors++;
    }

    /// <summary>Cast(to=FLOAT) and float-producing generators outside blocked nodes produce float16 instead.</summary>
    private void ConvertTypeAttributes(List<GraphView> graphs)
    {
        foreach (var node in graphs.SelectMany(g => g.Proto.Node).Where(n => !_blocked.Contains(n) && n.Domain is "" or "ai.onnx"))
        {
            var (attribute, floatByDefault) = node.OpType switch
            {
                "Cast" => ("to", false),
                "EyeLike" or "RandomNormalLike" or "RandomUniformLike" or "Bernoulli" => ("dtype", false),
                "RandomNormal" or "RandomUniform" => ("dtype", true),
                "HannWindow" or "HammingWindow" or "BlackmanWindow" or "MelWeightMatrix" => ("output_datatype", true),
                _ => (null, false),
            };
            if (attribute is null)
            {
                continue;
            }

            var a = node.Attribute.FirstOrDefault(x => x.Name == attribute);
            if (a is null && floatByDefault)
            {
                node.Attribute.Add(new AttributeProto { Name = attribute, Type = AttributeProto.Types.AttributeType.Int, I = Half });
            }
            else if (a is { I: Float })
            {
                a.I = Half;
                Stats.CastsRetargeted += node.OpType == "Cast" ? 1 : 0;
            }
        }
    }

    private void ConvertValueInfos(List<GraphView> graphs)
    {
        foreach (var graph in graphs)
        {
            var g = graph.Proto;
            foreach (var v in g.Input.Concat(g.Output).Concat(g.ValueInfo))
            {
                var kept = graph.Parent is null && (_keptInputs.Contains(v.Name) || _keptOutputs.Contains(v.Name));
                if (!kept && !_float32Initializers.Contains(v.Name) && v.Type is not null)
                {
                    ToFloat16(v.Type);
                }
            }
        }
    }

    private static void ToFloat16(TypeProto type)
    {
        if (type.TensorType is { ElemType: Float } tensor)
        {
            tensor.ElemType = Half;
        }

        if (type.SequenceType?.ElemType is { } seq)
        {
            ToFloat16(seq);
        }

        if (type.OptionalType?.ElemType is { } opt)
        {
            ToFloat16(opt);
        }

        if (type.MapType?.ValueType is { } map)
        {
            ToFloat16(map);
        }
    }
}
