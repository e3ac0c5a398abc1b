using OliveNet.Passes.Export;
using OliveNet.Runtime;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>One exported layer, open in ONNX Runtime: feeds a residual stream, returns the MatMul inputs and the outgoing stream.</summary>
internal sealed class LayerRun(InferenceSession session, HfConfig hf, IReadOnlyDictionary<string, string> inputOf, string residual, string folder) : IDisposable
{
    /// <summary>Module name → the graph value holding its input.</summary>
    public IReadOnlyDictionary<string, string> InputOf => inputOf;

    /// <summary>Runs one sample <c>[tokens, hidden]</c>; returns the requested values (<c>[tokens, width]</c> each) and the outgoing residual stream.</summary>
    public (Dictionary<string, float[]> Values, float[] Residual) Run(float[] hidden, IReadOnlyCollection<string> values)
    {
        var tokens = hidden.Length / hf.Hidden;
        var owned = new List<OrtValue>
        {
            OrtValue.CreateTensor<float>(hidden, [1, tokens, hf.Hidden]),
            OrtValue.CreateTensor<long>(Enumerable.Repeat(1L, tokens).ToArray(), [1, tokens]),
            OrtValue.CreateTensor<float>(Array.Empty<float>(), [1, hf.KvHeads, 0, hf.HeadDim]),
            OrtValue.CreateTensor<float>(Array.Empty<float>(), [1, hf.KvHeads, 0, hf.HeadDim]),
        };
        try
        {
            var inputs = new List<KeyValuePair<string, OrtValue>>
            {
                KeyValuePair.Create("inputs_embeds", owned[0]),
                KeyValuePair.Create("attention_mask", owned[1]),
                KeyValuePair.Create("past_key_values.0.key", owned[2]),
                KeyValuePair.Create("past_key_values.0.value", owned[3]),
            };
            var names = values.Append(residual).ToList();
            using var outputs = session.Run(inputs, names);
            var result = values.ToDictionary(v => v, v => outputs[v].GetTensorData<float>().ToArray(), StringComparer.Ordinal);
            return (result, outputs[residual].GetTensorData<float>().ToArray());
        }
        finally
        {
            owned.ForEach(v => v.Dispose());
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        session.Dispose();
        Directory.Delete(folder, recursive: true);
    }
}
