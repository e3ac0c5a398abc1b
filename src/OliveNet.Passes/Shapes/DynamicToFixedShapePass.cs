using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Shapes;

/// <summary>
/// Replaces symbolic graph input dimensions with fixed values, as ONNX Runtime's <c>make_dynamic_shape_fixed</c> tool
/// does: a fixed <c>dim_param</c> is replaced in every input, output and value info of every graph, so shapes stay
/// consistent, and execution providers that need static shapes (NPUs) can compile the model.
/// </summary>
public sealed class DynamicToFixedShapePass : IPass<DynamicToFixedShapeOptions>
{
    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "DynamicToFixedShape",
        Version: 1,
        Summary: "Fix symbolic input dimensions (dim_param/dim_value or input_name/input_shape) to concrete sizes.",
        Devices: [],
        ExecutionProviders: [],
        Precisions: [],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true);

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(DynamicToFixedShapeOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var byParam = options.DimParam.Length > 0 || options.DimValue.Length > 0;
        var byInput = options.InputName.Length > 0 || options.InputShape.Length > 0;
        if (byParam == byInput)
        {
            errors.Add(byParam
                ? "dim_param/dim_value and input_name/input_shape are both set; use one form only."
                : "Nothing to fix: set dim_param + dim_value, or input_name + input_shape.");
            return errors;
        }

        if (byParam)
        {
            if (options.DimParam.Length != options.DimValue.Length)
            {
                errors.Add($"dim_param has {options.DimParam.Length} names but dim_value has {options.DimValue.Length} values; give one value per name.");
            }

            for (var i = 0; i < options.DimValue.Length; i++)
            {
                if (options.DimValue[i] < 1)
                {
                    errors.Add($"dim_value[{i}]: {options.DimValue[i]} is not a valid dimension; use 1 or more.");
                }
            }

            AddDuplicates(errors, "dim_param", options.DimParam);
        }
        else
        {
            if (options.InputName.Length != options.InputShape.Length)
            {
                errors.Add($"input_name has {options.InputName.Length} names but input_shape has {options.InputShape.Length} shapes; give one shape per input.");
            }

            for (var i = 0; i < options.InputShape.Length; i++)
            {
                var shape = options.InputShape[i] ?? [];
                for (var d = 0; d < shape.Length; d++)
                {
                    if (shape[d] < 1)
                    {
                        errors.Add($"input_shape[{i}][{d}]: {shape[d]} is not a valid dimension; use 1 or more.");
                    }
                }
            }

            AddDuplicates(errors, "input_name", options.InputName);
        }

        return errors;
    }

    /// <inheritdoc/>
    public void Run(PassContext context, DynamicToFixedShapeOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var problems = Validate(options, context.Target);
        if (problems.Count > 0)
        {
            throw new PassFailedException("DynamicToFixedShape: " + string.Join(" ", problems));
        }

        var model = OnnxModel.Load(context.Input.ModelPath);
        var fixes = options.DimParam.Length > 0
            ? ParamFixes(model, options)
            : InputFixes(model, options);
        foreach (var graph in model.AllGraphs())
        {
            foreach (var v in graph.Proto.Input.Concat(graph.Proto.Output).Concat(graph.Proto.ValueInfo))
            {
                ApplyParams(v, fixes);
            }
        }

        model.Save(context.OutputModelPath, new OnnxSaveOptions { ExternalData = ExternalDataMode.Preserve });
        context.Log.WriteLine(
            "DynamicToFixedShape: fixed " + string.Join(", ", fixes.Select(kv => $"{kv.Key}={kv.Value}")) + ".");
    }

    private static SortedDictionary<string, long> ParamFixes(OnnxModel model, DynamicToFixedShapeOptions options)
    {
        var existing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var graph in model.AllGraphs())
        {
            foreach (var v in graph.Proto.Input.Concat(graph.Proto.Output).Concat(graph.Proto.ValueInfo))
            {
                foreach (var dim in Dims(v))
                {
                    if (dim.HasDimParam && dim.DimParam.Length > 0)
                    {
                        existing.Add(dim.DimParam);
                    }
                }
            }
        }

        var fixes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < options.DimParam.Length; i++)
        {
            if (!existing.Contains(options.DimParam[i]))
            {
                throw new PassFailedException(
                    $"DynamicToFixedShape: dim_param[{i}] '{options.DimParam[i]}' does not occur in the model. " +
                    $"Symbolic dimensions it has: {List(existing)}.");
            }

            fixes[options.DimParam[i]] = options.DimValue[i];
        }

        return fixes;
    }

    private static SortedDictionary<string, long> InputFixes(OnnxModel model, DynamicToFixedShapeOptions options)
    {
        var graph = model.MainGraph.Proto;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        var fixes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < options.InputName.Length; i++)
        {
            var name = options.InputName[i];
            var input = inputs.FirstOrDefault(v => v.Name == name) ?? throw new PassFailedException(
                $"DynamicToFixedShape: input_name[{i}] '{name}' is not a graph input. Inputs: {List(inputs.Select(v => v.Name))}.");
            var shape = options.InputShape[i];
            if (input.Type?.TensorType is not { } tensor)
            {
                throw new PassFailedException($"DynamicToFixedShape: input '{name}' is not a tensor; only tensor inputs have shapes to fix.");
            }

            tensor.Shape ??= new TensorShapeProto();
            var dims = tensor.Shape.Dim;
            if (dims.Count == 0)
            {
                foreach (var _ in shape)
                {
                    dims.Add(new TensorShapeProto.Types.Dimension());
                }
            }

            if (dims.Count != shape.Length)
            {
                throw new PassFailedException(
                    $"DynamicToFixedShape: input_shape[{i}] has {shape.Length} dimensions but input '{name}' has rank {dims.Count} ({Describe(tensor.Shape)}).");
            }

            for (var d = 0; d < dims.Count; d++)
            {
                var dim = dims[d];
                if (dim.HasDimValue)
                {
                    if (dim.DimValue != shape[d])
                    {
                        throw new PassFailedException(
                            $"DynamicToFixedShape: input_shape[{i}][{d}] is {shape[d]} but input '{name}' already has the fixed size {dim.DimValue} there ({Describe(tensor.Shape)}).");
                    }
                }
                else if (dim.HasDimParam && dim.DimParam.Length > 0)
                {
                    if (fixes.TryGetValue(dim.DimParam, out var earlier) && earlier != shape[d])
                    {
                        throw new PassFailedException(
                            $"DynamicToFixedShape: dimension '{dim.DimParam}' would be both {earlier} and {shape[d]} (input '{name}', dimension {d}); shapes sharing a symbolic dimension must agree.");
                    }

                    fixes[dim.DimParam] = shape[d];
                }
                else
                {
                    dim.DimValue = shape[d];
                }
            }
        }

        return fixes;
    }

    private static void ApplyParams(ValueInfoProto value, SortedDictionary<string, long> fixes)
    {
        foreach (var dim in Dims(value))
        {
            if (dim.HasDimParam && fixes.TryGetValue(dim.DimParam, out var v))
            {
                dim.DimValue = v;
            }
        }
    }

    private static IEnumerable<TensorShapeProto.Types.Dimension> Dims(ValueInfoProto value) =>
        value.Type?.TensorType?.Shape?.Dim ?? Enumerable.Empty<TensorShapeProto.Types.Dimension>();

    private static string Describe(TensorShapeProto shape) =>
        "[" + string.Join(", ", shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : d.HasDimParam ? d.DimParam : "?")) + "]";

    private static string List(IEnumerable<string> names)
    {
        var all = names.ToList();
        return all.Count == 0 ? "(none)" : string.Join(", ", all.Select(n => $"'{n}'"));
    }

    private static void AddDuplicates(List<string> errors, string key, string[] names)
    {
        foreach (var dup in names.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"{key}: '{dup.Key}' is listed {dup.Count()} times; list each once.");
        }
    }
}
