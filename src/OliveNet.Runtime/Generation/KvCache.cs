namespace OliveNet.Runtime.Generation;

/// <summary>
/// The past/present tensors of every layer. Shared mode: one float buffer per layer and per key/value,
/// preallocated to the maximum length and passed as both past input and present output (GroupQueryAttention
/// writes the new positions in place), so nothing is allocated per token. Concat mode: past starts empty and
/// each step's presents (past + new, allocated by ORT) become the next pasts.
/// </summary>
internal sealed class KvCache : IDisposable
{
    private readonly GenAIConfig config;
    private readonly OrtValue?[] past;
    private readonly string[] pastNames;
    private readonly string[] presentNames;

    public KvCache(GenAIConfig config, bool shareBuffer, int maxLength, bool half)
    {
        Half = half;
        this.config = config;
        ShareBuffer = shareBuffer;
        var layers = config.NumHiddenLayers;
        past = new OrtValue?[2 * layers];
        pastNames = new string[2 * layers];
        presentNames = new string[2 * layers];
        for (var layer = 0; layer < layers; layer++)
        {
            pastNames[2 * layer] = GenAIConfig.LayerName(config.PastKeyNames, layer);
            pastNames[(2 * layer) + 1] = GenAIConfig.LayerName(config.PastValueNames, layer);
            presentNames[2 * layer] = GenAIConfig.LayerName(config.PresentKeyNames, layer);
            presentNames[(2 * layer) + 1] = GenAIConfig.LayerName(config.PresentValueNames, layer);
        }

        var length = shareBuffer ? maxLength : 0;
        for (var i = 0; i < past.Length; i++)
        {
            var count = config.NumKeyValueHeads * length * config.HeadSize;
            long[] shape = [1, config.NumKeyValueHeads, length, config.HeadSize];
            past[i] = half ? OrtValue.CreateTensor<Half>(new Half[count], shape) : OrtValue.CreateTensor<float>(new float[count], shape);
        }
    }

    public bool ShareBuffer { get; }

    /// <summary>Whether the cache tensors are float16 (a model exported with fp16 I/O), else float32.</summary>
    public bool Half { get; }

    /// <summary>Bytes held by the cache tensors now (shared mode: the full preallocation).</summary>
    public long Bytes => past.Sum(v => v is null ? 0 : v.ElementCount * (Half ? 2 : sizeof(float)));

    /// <summary>Adds past inputs to <paramref name="inputs"/>, and present names and their output slots (buffers in shared mode, null otherwise).</summary>
    public void Bind(List<KeyValuePair<string, OrtValue>> inputs, List<string> outputNames, List<OrtValue?> outputs)
    {
        for (var i = 0; i < past.Length; i++)
        {
            inputs.Add(new(pastNames[i], past[i]!));
            outputNames.Add(presentNames[i]);
            outputs.Add(ShareBuffer ? past[i] : null);
        }
    }

    /// <summary>After a run: in concat mode the presents (at <paramref name="offset"/> in the outputs) replace the pasts.</summary>
    public void Advance(OrtValue?[] outputs, int offset)
    {
        if (ShareBuffer)
        {
            return;
        }

        for (var i = 0; i < past.Length; i++)
        {
            past[i]!.Dispose();
            past[i] = outputs[offset + i];
        }
    }

    public void Dispose()
    {
        foreach (var value in past)
        {
            value?.Dispose();
        }
    }

    /// <summary>The configured geometry, for messages.</summary>
    public override string ToString() => $"{config.NumHiddenLayers} layers × {config.NumKeyValueHeads} kv heads × {config.HeadSize}";
}
