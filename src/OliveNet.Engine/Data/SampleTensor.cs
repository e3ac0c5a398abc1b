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

    /// <summary>
    /// This tensor as <paramref name="type"/>: itself when the types match; float32 rounded to float16, or float16
    /// widened to float32 (what an application feeding a float16 model does); null for any other pair.
    /// </summary>
    public SampleTensor? As(TensorElementType type)
    {
        if (type == Type)
        {
            return this;
        }

        if (Type == TensorElementType.Float && type == TensorElementType.Float16)
        {
            var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Bytes);
            var halves = new Half[floats.Length];
            for (var i = 0; i < floats.Length; i++)
            {
                halves[i] = (Half)floats[i];
            }

            return new SampleTensor(type, Shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(halves.AsSpan()).ToArray());
        }

        if (Type == TensorElementType.Float16 && type == TensorElementType.Float)
        {
            var halves = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(Bytes);
            var floats = new float[halves.Length];
            for (var i = 0; i < halves.Length; i++)
            {
                floats[i] = (float)halves[i];
            }

            return Float(floats, Shape);
        }

        return null;
    }

    /// <summary>A new ONNX Runtime value over a copy of the bytes; the caller disposes it.</summary>
    public OrtValue ToOrtValue() => OrtValue.CreateTensor(Type, Bytes.ToArray(), Shape);

    /// <summary>The shape as text, e.g. <c>[1,3,48,320]</c>.</summary>
    public string ShapeText => $"[{string.Join(",", Shape)}]";
}

/// <summary>One batch: a tensor per model input (by name) and the labels of its rows (null when the data has none).</summary>
public sealed record Batch(IReadOnlyDictionary<string, SampleTensor> Inputs, IReadOnlyList<object>? Labels)
{
    /// <summary>
    /// New ONNX Runtime values of this batch for a session with <paramref name="inputs"/>, each in that session's float
    /// type (one batch may feed a float32 model and its float16 candidate); the caller disposes them.
    /// </summary>
    public List<KeyValuePair<string, OrtValue>> Feed(IReadOnlyList<NodeMetadata> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return [.. Inputs.Select(kv => KeyValuePair.Create(kv.Key,
            (inputs.FirstOrDefault(i => i.Name == kv.Key) is { } input ? kv.Value.As(input.ElementType) ?? kv.Value : kv.Value).ToOrtValue()))];
    }
}

/// <summary>Loaded, batched data ready to feed a model, with the hash of its content.</summary>
/// <param name="Name">The data config's name.</param>
/// <param name="Batches">The batches, in order.</param>
/// <param name="Sha256">Hash of every tensor's bytes and every label: evaluation cache keys depend on the data itself.</param>
/// <param name="PostProcess">How outputs become predictions.</param>
/// <param name="Text">Token streams of a text data config (no batches then); null for tensor data.</param>
/// <param name="Speech">Clips and transcripts of a speech data config (no batches then); null otherwise.</param>
public sealed record LoadedData(string Name, IReadOnlyList<Batch> Batches, string Sha256, DataComponent? PostProcess, TextData? Text = null, Speech.SpeechData? Speech = null)
{
    /// <summary>Whether every batch has labels.</summary>
    public bool HasLabels => Batches.Count > 0 && Batches.All(b => b.Labels is not null);
}
