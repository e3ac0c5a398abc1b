namespace OliveNet.Onnx;

/// <summary>Saving and serializing a model.</summary>
public sealed partial class OnnxModel
{
    /// <summary>
    /// Writes the model (and, when any tensor is external, one data file next to it) through temp files renamed
    /// into place. Deterministic: the same model and options give identical bytes. The in-memory model is not
    /// changed, except that when the new data file replaces a data file this model reads from, its external
    /// references are rebased onto the new file so it stays readable.
    /// </summary>
    /// <exception cref="OnnxFormatException">External data is missing or unsafe, or the model cannot fit the 2 GB limit inline.</exception>
    public void Save(string path, OnnxSaveOptions? options = null) =>
        ModelWriter.Save(this, path, options ?? new OnnxSaveOptions());

    /// <summary>The serialized model with every external tensor pulled inline.</summary>
    /// <exception cref="OnnxFormatException">The model would pass the 2 GB protobuf limit, or external data cannot be read.</exception>
    public byte[] ToBytes() => ModelWriter.ToBytes(this);
}
