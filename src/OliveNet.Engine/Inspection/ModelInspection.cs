namespace OliveNet.Engine.Inspection;

/// <summary>What <c>olivenet inspect</c> reports about one model: pure data, formatted by the CLI.</summary>
public sealed record ModelInspection(
    string Path,
    long FileSizeBytes,
    long IrVersion,
    string Producer,
    IReadOnlyList<OpsetEntry> Opsets,
    IReadOnlyList<ValueEntry> Inputs,
    IReadOnlyList<ValueEntry> Outputs,
    int GraphCount,
    int NodeCount,
    IReadOnlyList<OpCount> Ops,
    ParameterSummary Parameters,
    IReadOnlyList<ExternalFileEntry> ExternalData);

/// <summary>One opset import: domain (<c>ai.onnx</c> for the default domain) and version.</summary>
public sealed record OpsetEntry(string Domain, long Version);

/// <summary>A graph input or output: name, element type name and dims (numbers, symbols, or <c>?</c>).</summary>
public sealed record ValueEntry(string Name, string Type, IReadOnlyList<string>? Shape)
{
    /// <summary>The type and shape as one string, e.g. <c>float32[N,3,48,W]</c>.</summary>
    public string Display => Shape is null ? Type : $"{Type}[{string.Join(",", Shape)}]";
}

/// <summary>How many nodes of one operator the model has, subgraphs included.</summary>
public sealed record OpCount(string Op, int Count);

/// <summary>Weights by element type, counting initializers and tensors held in <c>Constant</c> nodes.</summary>
public sealed record ParameterSummary(
    long Count,
    long Bytes,
    long InitializerCount,
    long ConstantNodeCount,
    IReadOnlyList<DtypeParameters> ByType);

/// <summary>Parameter count and bytes for one element type.</summary>
public sealed record DtypeParameters(string Type, long Count, long Bytes, int Tensors);

/// <summary>An external data file the model references.</summary>
public sealed record ExternalFileEntry(string Location, long BytesReferenced, bool Exists, long FileLength);
