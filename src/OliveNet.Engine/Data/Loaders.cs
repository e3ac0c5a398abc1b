using OliveNet.Onnx.Protos;
using OliveNet.Runtime;

namespace OliveNet.Engine.Data;

/// <summary>The built-in <c>load_dataset</c> components. Each returns samples in a deterministic (ordinal) order.</summary>
internal static class Loaders
{
    /// <summary>Every load component type, for validation and the schema.</summary>
    public static IReadOnlyList<string> Types { get; } = ["tensor_folder", "image_folder", "idx_dataset", "dummy_dataset", .. TextDataset.LoadTypes, Speech.SpeechDataset.LoadType];

    public static IReadOnlyList<RawSample> Load(DataComponent load, ComponentParams p, ImageTransform? transform, IReadOnlyList<NodeMetadata> inputs) => load.Type switch
    {
        "tensor_folder" => TensorFolder(p, inputs),
        "image_folder" => ImageFolder(p, transform ?? new ImageTransform(new ComponentParams(p.Where, []))),
        "idx_dataset" => IdxDataset.Load(p, transform),
        "dummy_dataset" => Dummy(p, inputs),
        "text_files" or "jsonl" => throw new DataException($"{p.Where}: text data feeds language-model metrics (accuracy perplexity), not tensor inputs"),
        Speech.SpeechDataset.LoadType => throw new DataException($"{p.Where}: an audiofolder feeds speech metrics (accuracy wer, rtfx) with pre_process_data_config {Speech.SpeechDataset.PreProcessType}, not tensor inputs"),
        _ => throw new DataException($"{p.Where}: load type '{load.Type}' is not built in; use one of {string.Join(", ", Types)}"),
    };

    /// <summary>
    /// The ONNX test-data layout: one sub-folder per sample holding <c>input_&lt;k&gt;.pb</c> (TensorProto) or
    /// <c>input_&lt;k&gt;.npy</c> files for the model's k-th input; or one <c>.npz</c> archive per sample (NumPy
    /// <c>savez</c>) whose arrays are named after the model's inputs (or <c>arr_&lt;k&gt;</c> by position); optional
    /// <c>labels_file</c> with one label per line, in the samples' ordinal order.
    /// </summary>
    private static List<RawSample> TensorFolder(ComponentParams p, IReadOnlyList<NodeMetadata> inputs)
    {
        var folder = ExistingFolder(p, "data_dir");
        var labels = ReadLabels(p);
        var samples = new List<RawSample>();
        var archives = Directory.GetFiles(folder, "*.npz").Order(StringComparer.Ordinal).ToArray();
        if (archives.Length > 0)
        {
            foreach (var (file, index) in archives.Select((f, i) => (f, i)))
            {
                var arrays = NpyReader.ReadArchive(file);
                var tensors = new Dictionary<string, SampleTensor>(StringComparer.Ordinal);
                for (var k = 0; k < inputs.Count; k++)
                {
                    tensors[inputs[k].Name] = arrays.TryGetValue(inputs[k].Name, out var named) ? named
                        : arrays.TryGetValue($"arr_{k}", out var positional) ? positional
                        : throw new DataException($"{p.Where}: {file} has no array '{inputs[k].Name}' (or 'arr_{k}') for model input '{inputs[k].Name}'; it holds {string.Join(", ", arrays.Keys.Order(StringComparer.Ordinal))}");
                }

                samples.Add(new RawSample(tensors, Label(labels, index, p)));
            }

            return samples;
        }

        foreach (var (dir, index) in Directory.GetDirectories(folder).Order(StringComparer.Ordinal).Select((d, i) => (d, i)))
        {
            var tensors = new Dictionary<string, SampleTensor>(StringComparer.Ordinal);
            for (var k = 0; k < inputs.Count; k++)
            {
                var pb = Path.Combine(dir, $"input_{k}.pb");
                var npy = Path.Combine(dir, $"input_{k}.npy");
                tensors[inputs[k].Name] = File.Exists(pb) ? ReadProto(pb)
                    : File.Exists(npy) ? NpyReader.Read(File.ReadAllBytes(npy), npy)
                    : throw new DataException($"{p.Where}: {dir} has no input_{k}.pb or input_{k}.npy for model input '{inputs[k].Name}'");
            }

            samples.Add(new RawSample(tensors, Label(labels, index, p)));
        }

        return samples;
    }

    private static SampleTensor ReadProto(string path)
    {
        TensorProto proto;
        try
        {
            proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(path));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new DataException($"{path}: not a serialized TensorProto ({e.Message})");
        }

        return new SampleTensor((TensorElementType)proto.DataType, proto.Dims.ToArray(), Onnx.TensorData.ReadRawBytes(proto, Path.GetDirectoryName(path)));
    }

    /// <summary>Images (.jpg, .jpeg, .png, .bmp, .gif, .ppm, .pgm) in ordinal file order; labels from the sub-folder name (class index in sorted order) or a labels file.</summary>
    private static List<RawSample> ImageFolder(ComponentParams p, ImageTransform transform)
    {
        var folder = ExistingFolder(p, "data_dir");
        var labelFrom = p.String("label_from") ?? (p.String("labels_file") is null ? "none" : "labels_file");
        var files = Directory.EnumerateFiles(folder, "*", labelFrom == "folder" ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(f => ImageDecoder.Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        var classes = files.Select(f => f.Contains('/', StringComparison.Ordinal) ? f[..f.IndexOf('/', StringComparison.Ordinal)] : string.Empty)
            .Distinct().Order(StringComparer.Ordinal).ToList();
        var labels = labelFrom == "labels_file" ? ReadLabels(p) : null;
        return files.Select((file, i) =>
        {
            var full = Path.Combine(folder, file);
            var image = ImageDecoder.Decode(File.ReadAllBytes(full), full);
            object? label = labelFrom switch
            {
                "folder" => classes.IndexOf(file.Contains('/', StringComparison.Ordinal) ? file[..file.IndexOf('/', StringComparison.Ordinal)] : string.Empty),
                "labels_file" => Label(labels, i, p),
                "none" => null,
                _ => throw new DataException($"{p.Where}: params.label_from must be folder, labels_file or none"),
            };
            return new RawSample(new Dictionary<string, SampleTensor> { ["input_0"] = transform.Apply(image) }, label);
        }).ToList();
    }

    /// <summary>
    /// Problems in a load component's parameters that can be found without the model (the recipe loader reports them,
    /// so that validate and run agree). Empty when none.
    /// </summary>
    public static IEnumerable<string> Check(DataComponent load)
    {
        if (load.Type == Speech.SpeechDataset.LoadType)
        {
            return Speech.SpeechDataset.Refusal(load.Params) is { } refusal ? [refusal] : [];
        }

        if (load.Type != "dummy_dataset")
        {
            return [];
        }

        try
        {
            DummySpec.Read(new ComponentParams("dummy_dataset", load.Params));
            return [];
        }
        catch (DataException e)
        {
            return [e.Message["dummy_dataset: ".Length..]];
        }
    }

    /// <summary>
    /// Seeded random tensors at the model's input shapes (dynamic dims 1), or at the shapes given: Olive's list form
    /// (<c>input_shapes</c> list, with <c>input_names</c> and <c>input_types</c> lists in the same order, or by position
    /// without names) or a mapping input name → shape. <c>max_samples</c> defaults to 32, as in Olive.
    /// </summary>
    private static List<RawSample> Dummy(ComponentParams p, IReadOnlyList<NodeMetadata> inputs)
    {
        var spec = DummySpec.Read(p);
        var random = new Random(p.Int("seed", 0));
        var given = spec.Inputs(inputs, p.Where);
        var decoder = IsDecoder(inputs);
        return Enumerable.Range(0, spec.Count).Select(_ => new RawSample(inputs.ToDictionary(i => i.Name, i =>
        {
            var (shape, type) = given.TryGetValue(i.Name, out var g) ? (g.Shape ?? Fixed(i), g.Type ?? i.ElementType) : (Fixed(i), i.ElementType);
            var n = (int)shape.Aggregate(1L, (a, b) => a * b);
            if (decoder && !given.ContainsKey(i.Name) && i.Name is "attention_mask" or "position_ids")
            {
                // A prompt with nothing cached: every position attended, positions counting up.
                var values = Enumerable.Range(0, n).Select(k => i.Name == "attention_mask" ? 1L : k % shape[^1]).ToArray();
                return type == TensorElementType.Int32
                    ? new SampleTensor(type, shape, values.SelectMany(v => BitConverter.GetBytes((int)v)).ToArray())
                    : new SampleTensor(type, shape, values.SelectMany(BitConverter.GetBytes).ToArray());
            }

            return type switch
            {
                TensorElementType.Float => SampleTensor.Float(Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray(), shape),
                TensorElementType.Int64 => new SampleTensor(type, shape, Enumerable.Range(0, n).SelectMany(_ => BitConverter.GetBytes((long)random.Next(8))).ToArray()),
                TensorElementType.Int32 => new SampleTensor(type, shape, Enumerable.Range(0, n).SelectMany(_ => BitConverter.GetBytes(random.Next(8))).ToArray()),
                _ => throw new DataException($"{p.Where}: dummy_dataset cannot generate input '{i.Name}' of type {type}; use tensor_folder"),
            };
        }, StringComparer.Ordinal), null)).ToList();

        long[] Fixed(NodeMetadata input) => input.Shape.Select((d, k) => d >= 0 ? d : decoder ? DecoderDim(input.SymbolicDims.ElementAtOrDefault(k)) : 1L).ToArray();
    }

    /// <summary>A GenAI-layout decoder (input_ids, attention_mask, past_key_values.*): random inputs must be a consistent prompt.</summary>
    private static bool IsDecoder(IReadOnlyList<NodeMetadata> inputs) =>
        inputs.Any(i => i.Name == "input_ids") && inputs.Any(i => i.Name == "attention_mask")
        && inputs.Any(i => i.Name.StartsWith("past_key_values.", StringComparison.Ordinal));

    /// <summary>
    /// Dynamic dims of a decoder's inputs: an 8-token prompt with an empty cache (past 0, total 8). Random 1s everywhere
    /// would ask attention for a cached position that is not there (total 1 with past 1 + 1 new).
    /// </summary>
    private static long DecoderDim(string? name) => name switch
    {
        "sequence_length" or "total_sequence_length" => 8,
        "past_sequence_length" => 0,
        _ => 1,
    };

    /// <summary>The parameters of <c>dummy_dataset</c>, read once for checking and for generating.</summary>
    private sealed record DummySpec(int Count, List<(string? Name, long[]? Shape, TensorElementType? Type)> Given)
    {
        private static readonly Dictionary<string, TensorElementType> Types = new(StringComparer.OrdinalIgnoreCase)
        {
            ["float32"] = TensorElementType.Float, ["float"] = TensorElementType.Float, ["int64"] = TensorElementType.Int64,
            ["long"] = TensorElementType.Int64, ["int32"] = TensorElementType.Int32, ["int"] = TensorElementType.Int32,
        };

        public static DummySpec Read(ComponentParams p)
        {
            var count = p.Int("max_samples", 32);
            if (count < 1)
            {
                throw new DataException($"{p.Where}: params.max_samples must be 1 or more, got {count}");
            }

            var given = new List<(string?, long[]?, TensorElementType?)>();
            switch (p.Node("input_shapes"))
            {
                case null:
                    break;
                case System.Text.Json.Nodes.JsonObject byName:
                    foreach (var (name, shape) in byName)
                    {
                        given.Add((name, Shape(shape, $"input_shapes.{name}", p), null));
                    }

                    break;
                case System.Text.Json.Nodes.JsonArray list:
                    var names = p.Strings("input_names");
                    var types = p.Strings("input_types");
                    if (names is not null && names.Length != list.Count)
                    {
                        throw new DataException($"{p.Where}: params.input_names has {names.Length} names for {list.Count} input_shapes; give one per shape");
                    }

                    if (types is not null && types.Length != list.Count)
                    {
                        throw new DataException($"{p.Where}: params.input_types has {types.Length} types for {list.Count} input_shapes; give one per shape");
                    }

                    for (var k = 0; k < list.Count; k++)
                    {
                        var type = types is null ? (TensorElementType?)null
                            : Types.TryGetValue(types[k], out var t) ? t
                            : throw new DataException($"{p.Where}: params.input_types[{k}] '{types[k]}' is not one of {string.Join(", ", Types.Keys)}");
                        given.Add((names?[k], Shape(list[k], $"input_shapes[{k}]", p), type));
                    }

                    break;
                default:
                    throw new DataException($"{p.Where}: params.input_shapes must be a list of shapes (with input_names) or a mapping input name → shape");
            }

            return new DummySpec(count, given);
        }

        /// <summary>The given shapes and types by model input name (by position when no names were given).</summary>
        public Dictionary<string, (long[]? Shape, TensorElementType? Type)> Inputs(IReadOnlyList<NodeMetadata> inputs, string where)
        {
            var result = new Dictionary<string, (long[]?, TensorElementType?)>(StringComparer.Ordinal);
            for (var k = 0; k < Given.Count; k++)
            {
                var (name, shape, type) = Given[k];
                var input = name is null
                    ? (k < inputs.Count ? inputs[k] : throw new DataException($"{where}: params.input_shapes has {Given.Count} shapes, but the model has {inputs.Count} inputs"))
                    : inputs.FirstOrDefault(i => i.Name == name)
                        ?? throw new DataException($"{where}: params input '{name}' is not an input of the model; its inputs are {string.Join(", ", inputs.Select(i => i.Name))}");
                result[input.Name] = (shape, type);
            }

            return result;
        }

        private static long[] Shape(System.Text.Json.Nodes.JsonNode? node, string key, ComponentParams p) =>
            node is System.Text.Json.Nodes.JsonArray dims && dims.All(d => Evaluation.JsonNumbers.Get(d) is >= 1 and var v && v == Math.Floor(v))
                ? dims.Select(d => (long)Evaluation.JsonNumbers.Get(d)!.Value).ToArray()
                : throw new DataException($"{p.Where}: params.{key} must be a shape: a list of whole numbers 1 or more, such as [1, 3, 224, 224]");
    }

    internal static string ExistingFolder(ComponentParams p, string key)
    {
        var folder = p.RequiredString(key);
        return Directory.Exists(folder) ? folder : throw new DataException($"{p.Where}: params.{key} folder {folder} does not exist");
    }

    internal static string[]? ReadLabels(ComponentParams p)
    {
        if (p.String("labels_file") is not { } file)
        {
            return null;
        }

        if (!File.Exists(file))
        {
            throw new DataException($"{p.Where}: params.labels_file {file} does not exist");
        }

        var lines = File.ReadAllText(file).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return [.. lines];
    }

    private static object? Label(string[]? labels, int index, ComponentParams p)
    {
        if (labels is null)
        {
            return null;
        }

        if (index >= labels.Length)
        {
            throw new DataException($"{p.Where}: labels_file has {labels.Length} labels, but there are more samples; give one label per sample");
        }

        return p.String("label_type") == "int" ? int.Parse(labels[index], System.Globalization.CultureInfo.InvariantCulture) : labels[index];
    }
}
