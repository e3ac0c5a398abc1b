using OliveNet.Runtime;

namespace OliveNet.Engine.Data;

/// <summary>One input tensor of a sample: element type, shape, and little-endian bytes.</summary>
public sealed record SampleTensor(TensorElementType Type, long[] Shape, byte[] Bytes)
{
    /// <summary>A float32 tensor.</summary>
    public static SampleTensor Float(float[] values, params long[] shape) =>
        new(TensorElementType.Float, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>The values as float32 (the tensor must be float32).</summary>
    public float[] Floats() => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Bytes).ToArray();

    /// <summary>A new ONNX Runtime value over a copy of the bytes; the caller disposes it.</summary>
    public OrtValue ToOrtValue() => OrtValue.CreateTensor(Type, Bytes.ToArray(), Shape);

    /// <summary>The shape as text, e.g. <c>[1,3,48,320]</c>.</summary>
    public string ShapeText => $"[{string.Join(",", Shape)}]";
}

/// <summary>One batch: a tensor per model input (by name) and the labels of its rows (null when the data has none).</summary>
public sealed record Batch(IReadOnlyDictionary<string, SampleTensor> Inputs, IReadOnlyList<object>? Labels);

/// <summary>Loaded, batched data ready to feed a model, with the hash of its content.</summary>
/// <param name="Name">The data config's name.</param>
/// <param name="Batches">The batches, in order.</param>
/// <param name="Sha256">Hash of every tensor's bytes and every label: evaluation cache keys depend on the data itself.</param>
/// <param name="PostProcess">How outputs become predictions.</param>
/// <param name="Text">Token streams of a text data config (no batches then); null for tensor data.</param>
public sealed record LoadedData(string Name, IReadOnlyList<Batch> Batches, string Sha256, DataComponent? PostProcess, TextData? Text = null)
{
    /// <summary>Whether every batch has labels.</summary>
    public bool HasLabels => Batches.Count > 0 && Batches.All(b => b.Labels is not null);
}
