namespace OliveNet.Onnx;

/// <summary>One external data file a model refers to.</summary>
/// <param name="Location">The location as written in the model (relative to the model folder).</param>
/// <param name="FullPath">Absolute path it resolves to.</param>
/// <param name="BytesReferenced">Sum of the lengths of all tensors stored in it.</param>
/// <param name="Exists">Whether the file exists.</param>
/// <param name="FileLength">Its length in bytes, 0 when missing.</param>
public sealed record ExternalDataFile(string Location, string FullPath, long BytesReferenced, bool Exists, long FileLength);
