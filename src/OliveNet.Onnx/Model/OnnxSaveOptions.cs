namespace OliveNet.Onnx;

/// <summary>
/// How <see cref="OnnxModel.Save"/> writes a model. Whatever the mode, when the inline model would pass
/// the 2 GB protobuf limit, the largest tensors are moved to external data automatically.
/// </summary>
public sealed record OnnxSaveOptions
{
    /// <summary>Where tensor data goes; default <see cref="ExternalDataMode.Preserve"/>.</summary>
    public ExternalDataMode ExternalData { get; init; } = ExternalDataMode.Preserve;

    /// <summary>File name (in the model's folder) of the data file; default <c>&lt;model file name&gt;.data</c>.</summary>
    public string? ExternalDataFileName { get; init; }

    /// <summary>Tensors of at least this many bytes go external in <see cref="ExternalDataMode.AllExternal"/>.</summary>
    public long SizeThreshold { get; init; } = 1024;

    /// <summary>Most tensor bytes kept inline before large tensors are forced external; lowered only by tests.</summary>
    internal long InlineLimit { get; init; } = ModelWriter.InlineBudget;
}
