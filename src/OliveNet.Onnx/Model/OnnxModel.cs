using Google.Protobuf;
using OliveNet.Onnx.Protos;

namespace OliveNet.Onnx;

/// <summary>
/// An ONNX model in memory: the live <see cref="ModelProto"/>, the folder its external data is relative to,
/// and views over its graphs and weights. External tensor data stays on disk until read through
/// <see cref="TensorData"/>. Not thread-safe for edits.
/// </summary>
public sealed partial class OnnxModel
{
    private GraphView? _mainGraph;

    private OnnxModel(ModelProto proto, string? baseDirectory, string? sourcePath)
    {
        Proto = proto;
        BaseDirectory = baseDirectory is null ? null : System.IO.Path.GetFullPath(baseDirectory);
        SourcePath = sourcePath;
    }

    /// <summary>The model proto (live: edits change the model; call <see cref="GraphView.Invalidate"/> after graph edits).</summary>
    public ModelProto Proto { get; }

    /// <summary>Folder external data locations are relative to (the model file's folder), or null.</summary>
    public string? BaseDirectory { get; }

    /// <summary>Full path of the file the model was loaded from, or null.</summary>
    public string? SourcePath { get; }

    /// <summary>Operator set versions by domain; <c>""</c> stands for ai.onnx.</summary>
    public IReadOnlyDictionary<string, long> OpsetImports
    {
        get
        {
            var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var o in Proto.OpsetImport)
            {
                result[o.Domain == "ai.onnx" ? string.Empty : o.Domain] = o.Version;
            }

            return result;
        }
    }

    /// <summary>The top-level graph.</summary>
    public GraphView MainGraph
    {
        get
        {
            if (_mainGraph is null || !ReferenceEquals(_mainGraph.Proto, Proto.Graph))
            {
                _mainGraph = new GraphView(Proto.Graph ?? throw new OnnxFormatException("The model has no graph."), "main");
            }

            return _mainGraph;
        }
    }

    /// <summary>
    /// Loads a model file. External data references are checked (inside the model folder; present and long enough
    /// when <see cref="OnnxLoadOptions.ValidateExternalData"/>) but not read.
    /// </summary>
    /// <exception cref="OnnxFormatException">Missing, unreadable, truncated or non-ONNX file, or bad external data.</exception>
    public static OnnxModel Load(string path, OnnxLoadOptions? options = null)
    {
        options ??= new OnnxLoadOptions();
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new OnnxFormatException($"Model file '{full}' does not exist. Check the path.") { Path = full };
        }

        var proto = Parse(full);
        var model = new OnnxModel(proto, System.IO.Path.GetDirectoryName(full), full);
        foreach (var slot in ModelTensors.All(proto))
        {
            if (TensorData.IsExternal(slot.Tensor))
            {
                var info = Resolve(slot.Tensor, model.BaseDirectory, full);
                if (options.ValidateExternalData)
                {
                    info.Validate(slot.Tensor.Name);
                }
            }
        }

        return model;
    }

    /// <summary>Wraps an existing proto (not copied); <paramref name="baseDirectory"/> resolves external data.</summary>
    public static OnnxModel FromProto(ModelProto proto, string? baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(proto);
        return new OnnxModel(proto, baseDirectory, null);
    }

    /// <summary>The main graph then every nested If/Loop/Scan body at any depth, depth-first in node order.</summary>
    public IEnumerable<GraphView> AllGraphs()
    {
        var stack = new Stack<GraphView>();
        stack.Push(MainGraph);
        while (stack.Count > 0)
        {
            var g = stack.Pop();
            yield return g;
            var children = g.Subgraphs().ToList();
            for (var i = children.Count - 1; i >= 0; i--)
            {
                stack.Push(children[i]);
            }
        }
    }

    private static ModelProto Parse(string full)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (IOException ex)
        {
            throw new OnnxFormatException($"Model file '{full}' cannot be read: {ex.Message}", ex) { Path = full };
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new OnnxFormatException($"Model file '{full}' cannot be read: {ex.Message} Check its permissions.", ex) { Path = full };
        }

        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            var message = LooksLikeModelStart(bytes)
                ? $"Model file '{full}' is truncated or corrupt ({ex.Message}). Copy or export it again."
                : $"File '{full}' is not an ONNX model (it does not parse as an ONNX ModelProto). Check that the path points at a .onnx file.";
            throw new OnnxFormatException(message, ex) { Path = full };
        }

        if (proto.Graph is null)
        {
            var message = proto.HasIrVersion
                ? $"Model file '{full}' has no graph; it is truncated or not a complete ONNX model. Export it again."
                : $"File '{full}' is not an ONNX model (no IR version and no graph). Check that the path points at a .onnx file.";
            throw new OnnxFormatException(message) { Path = full };
        }

        return proto;
    }

    private static bool LooksLikeModelStart(byte[] bytes)
    {
        // A real model starts with one of ModelProto's own field tags, nearly always ir_version (0x08).
        return bytes.Length > 0 && bytes[0] is 0x08 or 0x12 or 0x1A or 0x22 or 0x28 or 0x32 or 0x3A or 0x42;
    }

    private static ExternalDataInfo Resolve(TensorProto t, string? baseDirectory, string? modelPath)
    {
        try
        {
            return ExternalDataInfo.Resolve(t, baseDirectory);
        }
        catch (OnnxFormatException ex) when (modelPath is not null && ex.Path is null)
        {
            throw new OnnxFormatException($"{ex.Message} (model '{modelPath}')", ex) { Path = modelPath };
        }
    }
}
