using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.Dynamic;

namespace OliveNet.Passes.Fusion.Attention;

/// <summary>
/// Replaces each multi-head self-attention subgraph of a BERT-style export (<see cref="AttentionMatcher"/>) in the main
/// graph by one <c>com.microsoft.Attention</c>: Q, K and V weights packed side by side into [hidden_in, 3·hidden], the
/// biases into [3·hidden], <c>num_heads</c> from the head split, <c>scale</c> when the export's is not 1/√head_size, and
/// the 2-D mask (cast to int32 once, shared by every layer) as <c>mask_index</c>. The replaced nodes, the shape
/// computations only they used, and weights nobody reads any more are removed.
/// </summary>
internal sealed class AttentionFusion
{
    private const float DefaultMaskFilterValue = -10000f;
    private const string MicrosoftDomain = "com.microsoft";

    private readonly OnnxModel _model;
    private readonly GraphView _graph;
    private readonly GraphConstants _constants;
    private readonly UniqueNames _names;
    private readonly int _expectedHeads;
    private readonly int _expectedHidden;
    private readonly Dictionary<string, string> _int32Masks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _releasedInitializers = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _skipped = new(StringComparer.Ordinal);

    /// <param name="model">Changed in place.</param>
    /// <param name="expectedHeads">Olive's <c>num_heads</c>: when above 0, a match with another head count is left alone.</param>
    /// <param name="expectedHidden">Olive's <c>hidden_size</c>: when above 0, a match with another hidden size is left alone.</param>
    public AttentionFusion(OnnxModel model, int expectedHeads, int expectedHidden)
    {
        _model = model;
        _graph = model.MainGraph;
        _constants = new GraphConstants(_graph, model.BaseDirectory);
        _names = new UniqueNames(model);
        _expectedHeads = expectedHeads;
        _expectedHidden = expectedHidden;
    }

    /// <summary>Attention nodes created.</summary>
    public int Fused { get; private set; }

    /// <summary>Attention-like subgraphs left alone, by reason.</summary>
    public IReadOnlyDictionary<string, int> Skipped => _skipped;

    /// <summary>Fuses every match in the main graph.</summary>
    public void Run()
    {
        var matcher = new AttentionMatcher(_constants, _model.OpsetImports.GetValueOrDefault(string.Empty));
        foreach (var softmax in _graph.Nodes.Where(n => n.OpType == "Softmax" && n.Domain is "" or "ai.onnx").ToList())
        {
            if (matcher.Match(softmax) is not { } match)
            {
                continue;
            }

            var reason = Check(match);
            if (reason is null && Removable(match) is { } removed)
            {
                Replace(match, removed, Prefix(softmax));
                Fused++;
            }
            else
            {
                Skip(reason ?? "an intermediate value of the attention is also read elsewhere");
            }
        }

        if (Fused > 0)
        {
            RemoveReleasedInitializers();
            if (!_model.Proto.OpsetImport.Any(o => o.Domain == MicrosoftDomain))
            {
                _model.Proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
            }
        }
    }

    private string? Check(AttentionMatch match)
    {
        var hidden = match.NumHeads * match.HeadSize;
        if (_expectedHeads > 0 && match.NumHeads != _expectedHeads)
        {
            return $"it has {match.NumHeads} heads, not num_heads {_expectedHeads}";
        }

        if (_expectedHidden > 0 && hidden != _expectedHidden)
        {
            return $"its hidden size is {hidden}, not hidden_size {_expectedHidden}";
        }

        var declared = _graph.Proto.Input.Concat(_graph.Proto.ValueInfo).FirstOrDefault(v => v.Name == match.Input);
        return declared?.Type?.TensorType?.Shape is { } shape && shape.Dim.Count != 3
            ? $"its input has rank {shape.Dim.Count}, and Attention needs [batch, sequence, hidden]"
            : null;
    }

    /// <summary>
    /// The pattern's nodes plus every upstream node only they read (the Shape/Gather/Concat chains of the Reshapes and
    /// their Constants); null when some value of the set other than the output is read outside it.
    /// </summary>
    private HashSet<NodeProto>? Removable(AttentionMatch match)
    {
        var set = new HashSet<NodeProto>(match.Core, ReferenceEqualityComparer.Instance);
        var graphOutputs = _graph.Proto.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var pending = new Queue<NodeProto>(set);
        while (pending.TryDequeue(out var node))
        {
            foreach (var input in node.Input.Where(i => i.Length > 0))
            {
                var producer = _graph.Producer(input);
                if (producer is not null && !set.Contains(producer) && producer.Output.All(o =>
                    !graphOutputs.Contains(o) && _graph.Consumers(o).All(set.Contains)))
                {
                    set.Add(producer);
                    pending.Enqueue(producer);
                }
            }
        }

        var ok = set.All(node => node.Output.All(o => o == match.Output || (!graphOutputs.Contains(o) && _graph.Consumers(o).All(set.Contains))));
        return ok ? set : null;
    }

    private void Replace(AttentionMatch match, HashSet<NodeProto> removed, string prefix)
    {
        var weight = _names.Take(prefix + "/qkv_weight");
        var bias = _names.Take(prefix + "/qkv_bias");
        _graph.Proto.Initializer.Add(PackedWeight(weight, match.Weights));
        _graph.Proto.Initializer.Add(PackedBias(bias, match.Biases));
        foreach (var node in removed)
        {
            _releasedInitializers.UnionWith(node.Input);
        }

        var inserted = new List<NodeProto>();
        var inputs = new List<string> { match.Input, weight, bias };
        if (match.Mask is { } mask)
        {
            inputs.Add(Int32Mask(mask, inserted));
        }

        var attention = new NodeProto { OpType = "Attention", Domain = MicrosoftDomain, Name = _names.Take(prefix + "/Attention") };
        attention.Input.AddRange(inputs);
        attention.Output.Add(match.Output);
        attention.Attribute.Add(new AttributeProto { Name = "num_heads", Type = AttributeProto.Types.AttributeType.Int, I = match.NumHeads });
        if (Math.Abs(match.Scale - (1f / MathF.Sqrt(match.HeadSize))) > 1e-7f * Math.Abs(match.Scale))
        {
            attention.Attribute.Add(new AttributeProto { Name = "scale", Type = AttributeProto.Types.AttributeType.Float, F = match.Scale });
        }

        if (match.Mask is { FilterValue: not DefaultMaskFilterValue } custom)
        {
            attention.Attribute.Add(new AttributeProto { Name = "mask_filter_value", Type = AttributeProto.Types.AttributeType.Float, F = custom.FilterValue });
        }

        inserted.Add(attention);
        var producedByRemoved = removed.SelectMany(n => n.Output).Where(o => o != match.Output).ToHashSet(StringComparer.Ordinal);
        var nodes = new List<NodeProto>(_graph.Proto.Node.Count);
        foreach (var node in _graph.Proto.Node)
        {
            if (node.Output.Contains(match.Output))
            {
                nodes.AddRange(inserted);
            }

            if (!removed.Contains(node))
            {
                nodes.Add(node);
            }
        }

        _graph.Proto.Node.Clear();
        _graph.Proto.Node.AddRange(nodes);
        var infos = _graph.Proto.ValueInfo.Where(v => !producedByRemoved.Contains(v.Name)).ToList();
        _graph.Proto.ValueInfo.Clear();
        _graph.Proto.ValueInfo.AddRange(infos);
        _graph.Invalidate();
    }

    /// <summary>The int32 form of a mask, made once per mask by a Cast placed before its first Attention.</summary>
    private string Int32Mask(AttentionMaskMatch mask, List<NodeProto> inserted)
    {
        if (mask.SourceType == (int)OnnxDataType.Int32)
        {
            return mask.Source;
        }

        if (!_int32Masks.TryGetValue(mask.Source, out var name))
        {
            name = _names.Take(mask.Source + "_int32");
            var cast = new NodeProto { OpType = "Cast", Name = _names.Take(mask.Source + "_cast_int32") };
            cast.Input.Add(mask.Source);
            cast.Output.Add(name);
            cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)OnnxDataType.Int32 });
            inserted.Add(cast);
            _int32Masks[mask.Source] = name;
        }

        return name;
    }

    private TensorProto PackedWeight(string name, TensorProto[] parts)
    {
        var rows = checked((int)parts[0].Dims[0]);
        var width = checked((int)parts[0].Dims[1]);
        var packed = new float[rows * width * 3];
        for (var p = 0; p < 3; p++)
        {
            var data = TensorData.Read<float>(parts[p], _model.BaseDirectory);
            for (var r = 0; r < rows; r++)
            {
                data.AsSpan(r * width, width).CopyTo(packed.AsSpan((r * width * 3) + (p * width), width));
            }
        }

        return TensorData.Create<float>(name, packed, [rows, 3L * width]);
    }

    private TensorProto PackedBias(string name, TensorProto[] parts) =>
        TensorData.Create<float>(name, parts.SelectMany(p => TensorData.Read<float>(p, _model.BaseDirectory)).ToArray(), [3 * parts[0].Dims[0]]);

    /// <summary>Drops initializers (and their graph-input entries) that only replaced nodes read.</summary>
    private void RemoveReleasedInitializers()
    {
        var read = _graph.Proto.Node.SelectMany(n => n.Input).Concat(_graph.Proto.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var sub in _graph.Subgraphs())
        {
            read.UnionWith(sub.OuterScopeNames());
        }

        var dropped = _graph.Proto.Initializer.Where(t => _releasedInitializers.Contains(t.Name) && !read.Contains(t.Name))
            .Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var kept = _graph.Proto.Initializer.Where(t => !dropped.Contains(t.Name)).ToList();
        _graph.Proto.Initializer.Clear();
        _graph.Proto.Initializer.AddRange(kept);
        var inputs = _graph.Proto.Input.Where(i => !dropped.Contains(i.Name)).ToList();
        _graph.Proto.Input.Clear();
        _graph.Proto.Input.AddRange(inputs);
        _graph.Invalidate();
    }

    private void Skip(string reason) => _skipped[reason] = _skipped.GetValueOrDefault(reason) + 1;

    /// <summary><c>/layers.0/attention/Softmax</c> → <c>/layers.0/attention</c>; a bare name → <c>attention</c>.</summary>
    private static string Prefix(NodeProto softmax)
    {
        var slash = softmax.Name.LastIndexOf('/');
        return slash > 0 ? softmax.Name[..slash] : "attention";
    }
}
