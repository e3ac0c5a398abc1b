using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Common;

/// <summary>Constant weights: resolving a name through Transpose/Reshape chains, folding them, and dropping what is left unread.</summary>
internal sealed partial class WeightMatMulForms
{
    /// <summary>
    /// The constant behind <paramref name="name"/> as a tensor whose <c>Name</c> is the value a MatMul can read: the
    /// initializer or Constant output itself, or a new initializer holding a Transpose/Reshape chain's result. Null when
    /// the value is computed from anything but constants.
    /// </summary>
    private TensorProto? Resolve(string name)
    {
        if (name.Length == 0)
        {
            return null;
        }

        if (_initializers.TryGetValue(name, out var init))
        {
            _sources.Add(name);
            return init;
        }

        if (_graph.Proto.Input.Any(i => i.Name == name) || _graph.Producer(name) is not { Domain: "" or "ai.onnx" } producer)
        {
            return null;
        }

        _sources.Add(name);
        switch (producer.OpType)
        {
            case "Constant" when producer.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } value:
                var named = value.Clone();
                named.Name = name;
                return named;
            case "Transpose" when Resolve(producer.Input[0]) is { } inner && OnnxDataTypes.BitsPerElement((OnnxDataType)inner.DataType) >= 8:
                var perm = RankInference.Ints(producer, "perm") ?? Enumerable.Range(0, inner.Dims.Count).Reverse().Select(i => (long)i).ToArray();
                return perm.Length == inner.Dims.Count ? Transposed(inner, perm) : null;
            case "Reshape" when producer.Input.Count == 2 && Resolve(producer.Input[0]) is { } inner && Shape(producer, inner) is { } dims:
                return Fold(inner, "reshaped", string.Join(",", dims), dims, bytes => bytes);
            default:
                return null;
        }
    }

    /// <summary>The target shape of a Reshape of <paramref name="input"/> with a constant shape input, or null.</summary>
    private long[]? Shape(NodeProto reshape, TensorProto input)
    {
        var shapeName = reshape.Input[1];
        _sources.Add(shapeName);
        var shape = _initializers.GetValueOrDefault(shapeName)
            ?? (_graph.Producer(shapeName) is { OpType: "Constant", Domain: "" or "ai.onnx" } c ? c.Attribute.FirstOrDefault(a => a.Name == "value")?.T : null);
        if (shape is null || (OnnxDataType)shape.DataType != OnnxDataType.Int64)
        {
            return null;
        }

        var dims = TensorData.Read<long>(shape, _model.BaseDirectory);
        var allowZero = RankInference.Int(reshape, "allowzero", 0) != 0;
        var count = TensorData.ElementCount(input);
        var known = 1L;
        var inferred = -1;
        for (var i = 0; i < dims.Length; i++)
        {
            if (dims[i] == 0 && !allowZero)
            {
                if (i >= input.Dims.Count)
                {
                    return null;
                }

                dims[i] = input.Dims[i];
            }

            if (dims[i] == -1)
            {
                if (inferred >= 0)
                {
                    return null;
                }

                inferred = i;
                continue;
            }

            known *= dims[i];
        }

        if (inferred >= 0)
        {
            if (known == 0 || count % known != 0)
            {
                return null;
            }

            dims[inferred] = count / known;
            known = count;
        }

        return known == count ? dims : null;
    }

    /// <summary><paramref name="weight"/> with its axes permuted by <paramref name="perm"/>, as a new initializer (made once per source and perm).</summary>
    private TensorProto Transposed(TensorProto weight, long[] perm)
    {
        var dims = weight.Dims.ToArray();
        var outDims = perm.Select(p => dims[p]).ToArray();
        var size = OnnxDataTypes.BitsPerElement((OnnxDataType)weight.DataType) / 8;
        return Fold(weight, "transposed", string.Join(",", perm), outDims, bytes => Permute(bytes, dims, perm, size));
    }

    private TensorProto Fold(TensorProto source, string what, string key, long[] outDims, Func<byte[], byte[]> transform)
    {
        if (_folded.TryGetValue((source.Name, what + key), out var made))
        {
            return made;
        }

        var bytes = transform(TensorData.ReadRawBytes(source, _model.BaseDirectory));
        made = new TensorProto { Name = _names.Take($"{source.Name}_{what}"), DataType = source.DataType, RawData = UnsafeByteOperations.UnsafeWrap(bytes) };
        made.Dims.AddRange(outDims);
        _graph.Proto.Initializer.Add(made);
        _initializers[made.Name] = made;
        _folded[(source.Name, what + key)] = made;
        return made;
    }

    /// <summary>Row-major <paramref name="source"/> of shape <paramref name="dims"/> with axes permuted (element size in bytes).</summary>
    internal static byte[] Permute(byte[] source, long[] dims, long[] perm, int size)
    {
        var rank = dims.Length;
        var strides = new long[rank];
        var stride = 1L;
        for (var i = rank - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= dims[i];
        }

        var outDims = perm.Select(p => dims[p]).ToArray();
        var step = perm.Select(p => strides[p]).ToArray();
        var destination = new byte[source.Length];
        var index = new long[rank];
        var offset = 0L;
        for (var i = 0L; i < stride; i++)
        {
            source.AsSpan((int)(offset * size), size).CopyTo(destination.AsSpan((int)(i * size), size));
            for (var axis = rank - 1; axis >= 0; axis--)
            {
                offset += step[axis];
                if (++index[axis] < outDims[axis])
                {
                    break;
                }

                offset -= step[axis] * outDims[axis];
                index[axis] = 0;
            }
        }

        return destination;
    }

    /// <summary>A scalar initializer of the weight's element type holding <paramref name="value"/>; returns its name.</summary>
    private string Scalar(string name, float value, OnnxDataType type)
    {
        var unique = _names.Take(name);
        var tensor = type switch
        {
            OnnxDataType.Float16 => TensorData.Create<Half>(unique, [(Half)value], []),
            OnnxDataType.BFloat16 => TensorData.Create<BFloat16>(unique, [(BFloat16)value], []),
            OnnxDataType.Double => TensorData.Create<double>(unique, [value], []),
            _ => TensorData.Create<float>(unique, [value], []),
        };
        _graph.Proto.Initializer.Add(tensor);
        return unique;
    }

    /// <summary>Drops the Transpose/Reshape/Constant nodes and initializers this rewrite read through that nothing reads any more.</summary>
    private void RemoveUnread()
    {
        var outputs = _graph.Proto.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        bool removed;
        do
        {
            removed = false;
            _graph.Invalidate();
            foreach (var node in _graph.Proto.Node.Where(n => n.Output.Count == 1 && _sources.Contains(n.Output[0])).ToList())
            {
                if (_graph.Consumers(node.Output[0]).Count == 0 && !outputs.Contains(node.Output[0]))
                {
                    _graph.Proto.Node.Remove(node);
                    removed = true;
                }
            }
        }
        while (removed);

        _graph.Invalidate();
        foreach (var init in _graph.Proto.Initializer.Where(t => _sources.Contains(t.Name)).ToList())
        {
            if (_graph.Consumers(init.Name).Count == 0 && !outputs.Contains(init.Name))
            {
                _graph.Proto.Initializer.Remove(init);
                if (_graph.Proto.Input.FirstOrDefault(i => i.Name == init.Name) is { } input)
                {
                    _graph.Proto.Input.Remove(input);
                }
            }
        }

        _graph.Invalidate();
    }
}
