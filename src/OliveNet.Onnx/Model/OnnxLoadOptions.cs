namespace OliveNet.Onnx;

/// <summary>How <see cref="OnnxModel.Load"/> treats the file.</summary>
public sealed record OnnxLoadOptions
{
    /// <summary>
    /// Check at load time that every external data reference stays inside the model folder, that its
    /// file exists and that offset + length fit in it. The data itself is never read at load.
    /// </summary>
    public bool ValidateExternalData { get; init; } = true;
}
