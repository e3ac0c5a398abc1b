using System.Diagnostics;

namespace OliveNet.Runtime.Generation;

/// <summary>
/// The buffers and the ORT calls of one generation: input ids, attention mask (and position ids when the model
/// takes them), the KV cache and, for decode steps, a logits tensor that is reused every token. Models exported
/// with float16 I/O get a float16 cache and float16 logits, widened to float32 for the sampler.
/// </summary>
internal sealed class DecodeStep : IDisposable
{
    private readonly LanguageModel model;
    private readonly GenAIConfig config;
    private readonly KvCache cache;
    private readonly long[] ids;
    private readonly long[] mask;
    private readonly long[] positions;
    private readonly float[] decodeLogits;
    private readonly Half[]? decodeHalfLogits;
    private readonly OrtValue decodeLogitsValue;
    private readonly List<KeyValuePair<string, OrtValue>> inputs = [];
    private readonly List<string> outputNames = [];
    private readonly List<OrtValue?> outputSlots = [];
    private int length;
    private long decodeRunTicks;

    public DecodeStep(LanguageModel model, bool shareBuffer, int maxLength)
    {
        this.model = model;
        config = model.Config;
        var half = model.Session.Outputs.First(o => o.Name == config.LogitsName).ElementType == TensorElementType.Float16;
        cache = new KvCache(config, shareBuffer, maxLength,
            model.Session.Inputs.First(i => i.Name == GenAIConfig.LayerName(config.PastKeyNames, 0)).ElementType == TensorElementType.Float16);
        ids = new long[maxLength];
        mask = new long[maxLength];
        Array.Fill(mask, 1L);
        positions = new long[maxLength];
        for (var i = 0; i < maxLength; i++)
        {
            positions[i] = i;
        }

        decodeLogits = new float[config.VocabSize];
        decodeHalfLogits = half ? new Half[config.VocabSize] : null;
        decodeLogitsValue = half ? OrtValue.CreateTensor<Half>(decodeHalfLogits, [1, 1, config.VocabSize])
            : OrtValue.CreateTensor<float>(decodeLogits, [1, 1, config.VocabSize]);
    }

    /// <summary>Time spent inside ONNX Runtime's Run by <see cref="Decode"/> calls so far (the model's share of decode time).</summary>
    public TimeSpan DecodeRunTime => Stopwatch.GetElapsedTime(0, decodeRunTicks);

    /// <summary>Runs the prompt; returns the logits of its last position.</summary>
    public ReadOnlySpan<float> Prefill(IReadOnlyList<int> prompt)
    {
        using var logits = RunPrompt(prompt);
        return Floats(logits).AsSpan()[^config.VocabSize..];
    }

    /// <summary>Runs the prompt; returns the logits of every position.</summary>
    public float[] PrefillAll(IReadOnlyList<int> prompt)
    {
        using var logits = RunPrompt(prompt);
        return Floats(logits);
    }

    /// <summary>Runs one token after the current sequence; returns its logits (valid until the next call).</summary>
    public ReadOnlySpan<float> Decode(int token)
    {
        ids[length] = token;
        using var idsValue = OrtValue.CreateTensor<long>(ids.AsMemory(length, 1), [1, 1]);
        length++;
        var start = Stopwatch.GetTimestamp();
        Run(idsValue, 1, decodeLogitsValue)?.Dispose();
        decodeRunTicks += Stopwatch.GetTimestamp() - start;
        if (decodeHalfLogits is not null)
        {
            for (var i = 0; i < decodeLogits.Length; i++)
            {
                decodeLogits[i] = (float)decodeHalfLogits[i];
            }
        }

        return decodeLogits;
    }

    public void Dispose()
    {
        cache.Dispose();
        decodeLogitsValue.Dispose();
    }

    private static float[] Floats(OrtValue logits)
    {
        if (logits.ElementType != TensorElementType.Float16)
        {
            return logits.GetTensorData<float>().ToArray();
        }

        var half = logits.GetTensorData<Half>();
        var floats = new float[half.Length];
        for (var i = 0; i < half.Length; i++)
        {
            floats[i] = (float)half[i];
        }

        return floats;
    }

    private OrtValue RunPrompt(IReadOnlyList<int> prompt)
    {
        for (var i = 0; i < prompt.Count; i++)
        {
            ids[i] = prompt[i];
        }

        using var idsValue = OrtValue.CreateTensor<long>(ids.AsMemory(0, prompt.Count), [1, prompt.Count]);
        length = prompt.Count;
        return Run(idsValue, prompt.Count, null)!;
    }

    // One ORT call for `count` new tokens ending at `length`; returns the logits value when ORT allocated it.
    private OrtValue? Run(OrtValue idsValue, int count, OrtValue? logits)
    {
        using var maskValue = OrtValue.CreateTensor<long>(mask.AsMemory(0, length), [1, length]);
        using var positionValue = model.NeedsPositionIds
            ? OrtValue.CreateTensor<long>(positions.AsMemory(length - count, count), [1, count]) : null;
        inputs.Clear();
        outputNames.Clear();
        outputSlots.Clear();
        inputs.Add(new(config.InputIdsName, idsValue));
        inputs.Add(new(config.AttentionMaskName, maskValue));
        if (positionValue is not null)
        {
            inputs.Add(new(config.PositionIdsName!, positionValue));
        }

        outputNames.Add(config.LogitsName);
        outputSlots.Add(logits);
        cache.Bind(inputs, outputNames, outputSlots);
        var outputs = outputSlots.ToArray();
        model.Session.Run(inputs, outputNames, outputs);
        cache.Advance(outputs, 1);
        return logits is null ? outputs[0] : null;
    }
}
