using OliveNet.Onnx;
using OliveNet.Runtime;

namespace OliveNet.Engine.Benchmarking;

/// <summary>
/// Makes deterministic input tensors for a session from its input metadata: random values from a seeded
/// generator (floats uniform in [-1, 1), integers in [0, 8), booleans) or a constant fill, at a concrete shape.
/// </summary>
public static class InputGenerator
{
    /// <summary>Resolves each input's concrete shape and creates the tensors. The caller disposes the values.</summary>
    /// <exception cref="BenchmarkException">A named input does not exist, a shape has the wrong rank, or a type is unsupported.</exception>
    public static IReadOnlyList<(GeneratedInput Info, OrtValue Value)> Create(
        IReadOnlyList<NodeMetadata> inputs, BenchmarkSettings settings, ICollection<string> notes)
    {
        var names = inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in settings.Shapes.Keys.Concat(settings.Fill.Keys).Where(n => !names.Contains(n)))
        {
            throw new BenchmarkException($"the model has no input '{name}'; its inputs are: {string.Join(", ", names)}");
        }

        var known = inputs.SelectMany(i => i.SymbolicDims).Where(s => s.Length > 0).ToHashSet(StringComparer.Ordinal);
        foreach (var dim in settings.Dims.Keys.Where(d => !known.Contains(d)))
        {
            throw new BenchmarkException(known.Count == 0
                ? $"--dim {dim}: the model has no named symbolic dims; give whole shapes with --shape <input>=<d0>x<d1>..."
                : $"--dim {dim}: the model has no symbolic dim of that name; its symbolic dims are: {string.Join(", ", known.Order(StringComparer.Ordinal))}");
        }

        var random = new Random(settings.Seed);
        var created = new List<(GeneratedInput, OrtValue)>();
        try
        {
            foreach (var input in inputs)
            {
                if (input.ValueType != OnnxValueType.Tensor)
                {
                    throw new BenchmarkException($"input '{input.Name}' is a {input.ValueType}, and bench generates tensors only.");
                }

                var shape = ResolveShape(input, settings, notes);
                var fill = settings.Fill.TryGetValue(input.Name, out var f) ? f : (double?)null;
                var value = CreateTensor(input, shape, fill, random);
                created.Add((new GeneratedInput(input.Name, OnnxDataTypes.Name((OnnxDataType)(int)input.ElementType), shape, fill is null ? "random" : $"fill {fill}"), value));
            }

            return created;
        }
        catch
        {
            foreach (var (_, value) in created)
            {
                value.Dispose();
            }

            throw;
        }
    }

    private static long[] ResolveShape(NodeMetadata input, BenchmarkSettings settings, ICollection<string> notes)
    {
        if (settings.Shapes.TryGetValue(input.Name, out var given))
        {
            if (given.Length != input.Shape.Count)
            {
                throw new BenchmarkException($"--shape {input.Name}: the model's input has rank {input.Shape.Count} ({Format(input)}), but {given.Length} dims were given.");
            }

            for (var d = 0; d < given.Length; d++)
            {
                if (input.Shape[d] >= 0 && input.Shape[d] != given[d])
                {
                    throw new BenchmarkException($"--shape {input.Name}: dim {d} is fixed to {input.Shape[d]} by the model ({Format(input)}), but {given[d]} was given.");
                }
            }

            return given;
        }

        var shape = new long[input.Shape.Count];
        for (var d = 0; d < shape.Length; d++)
        {
            var symbol = d < input.SymbolicDims.Count ? input.SymbolicDims[d] : string.Empty;
            if (input.Shape[d] >= 0)
            {
                shape[d] = input.Shape[d];
            }
            else if (symbol.Length > 0 && settings.Dims.TryGetValue(symbol, out var value))
            {
                shape[d] = value;
            }
            else
            {
                shape[d] = 1;
                notes.Add(symbol.Length > 0
                    ? $"input '{input.Name}' dim {d} ('{symbol}') not given, using 1; set it with --dim {symbol}=<n>"
                    : $"input '{input.Name}' dim {d} is dynamic and unnamed, using 1; set the shape with --shape {input.Name}=<d0>x<d1>...");
            }
        }

        return shape;
    }

    private static string Format(NodeMetadata input) =>
        $"[{string.Join(",", input.Shape.Select((s, i) => s >= 0 ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : (i < input.SymbolicDims.Count && input.SymbolicDims[i].Length > 0 ? input.SymbolicDims[i] : "?")))}]";

    /// <summary>Generated inputs live in managed arrays: at most <see cref="Array.MaxLength"/> elements and 2 GiB per input.</summary>
    private const long MaxInputBytes = 2L << 30;

    private static OrtValue CreateTensor(NodeMetadata input, long[] shape, double? fill, Random random)
    {
        var count = 1L;
        foreach (var d in shape)
        {
            count = d == 0 || count <= Array.MaxLength / d ? count * d : long.MaxValue;
        }

        var bytes = count == long.MaxValue ? long.MaxValue : count * Math.Max(1, OnnxDataTypes.BitsPerElement((OnnxDataType)(int)input.ElementType) / 8);
        if (count > Array.MaxLength || bytes > MaxInputBytes)
        {
            throw new BenchmarkException(
                $"input '{input.Name}' at shape [{string.Join(",", shape)}] would need {(count == long.MaxValue ? "more elements than fit in memory" : $"{count:N0} elements ({bytes:N0} bytes)")}; generated inputs are limited to 2 GiB. Use a smaller --shape or --dim.");
        }
        return input.ElementType switch
        {
            TensorElementType.Float => OrtValue.CreateTensor<float>(Fill(count, fill, random, (r, v) => (float)v, r => (float)((r.NextDouble() * 2) - 1)), shape),
            TensorElementType.Double => OrtValue.CreateTensor<double>(Fill(count, fill, random, (r, v) => v, r => (r.NextDouble() * 2) - 1), shape),
            TensorElementType.Float16 => OrtValue.CreateTensor<Half>(Fill(count, fill, random, (r, v) => (Half)v, r => (Half)((r.NextDouble() * 2) - 1)), shape),
            TensorElementType.Int64 => OrtValue.CreateTensor<long>(Fill(count, fill, random, (r, v) => (long)v, r => (long)r.Next(8)), shape),
            TensorElementType.Int32 => OrtValue.CreateTensor<int>(Fill(count, fill, random, (r, v) => (int)v, r => r.Next(8)), shape),
            TensorElementType.Int8 => OrtValue.CreateTensor<sbyte>(Fill(count, fill, random, (r, v) => (sbyte)v, r => (sbyte)r.Next(8)), shape),
            TensorElementType.UInt8 => OrtValue.CreateTensor<byte>(Fill(count, fill, random, (r, v) => (byte)v, r => (byte)r.Next(8)), shape),
            TensorElementType.Bool => OrtValue.CreateTensor<bool>(Fill(count, fill, random, (r, v) => v != 0, r => r.Next(2) == 1), shape),
            _ => throw new BenchmarkException($"input '{input.Name}' has element type {input.ElementType}, which bench cannot generate yet."),
        };
    }

    private static T[] Fill<T>(long count, double? fill, Random random, Func<Random, double, T> constant, Func<Random, T> next)
    {
        var data = new T[count];
        for (var i = 0; i < count; i++)
        {
            data[i] = fill is { } v ? constant(random, v) : next(random);
        }

        return data;
    }
}
