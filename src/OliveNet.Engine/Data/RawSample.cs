namespace OliveNet.Engine.Data;

/// <summary>One sample before batching: its tensors (by input name, or <c>input_k</c> for the k-th model input) and label.</summary>
internal sealed record RawSample(IReadOnlyDictionary<string, SampleTensor> Tensors, object? Label);

/// <summary>A decoded image: interleaved 8-bit channels, row-major.</summary>
internal sealed record Image(int Width, int Height, int Channels, byte[] Pixels);
